// A form with data-confirm="…" asks before it is sent (「この時点に戻す」). A file, not inline
// script: the Content-Security-Policy allows scripts from this site only.
"use strict";
document.addEventListener("submit", function (event) {
    const message = event.target.dataset ? event.target.dataset.confirm : null;
    if (message && !window.confirm(message)) {
        event.preventDefault();
    }
});
