"""SQLite, the embedded default, serves concurrent writers: the loser of a race waits its turn
instead of failing with 「database is locked」 (which the admin would answer with a 500).

pytest-django's test database is in memory and shared by one connection, where no race can happen;
so these tests start a fresh interpreter on the project's own settings with a SQLite file.
"""

import json
import os
import subprocess
import sys
import textwrap

from django.conf import settings

# Two threads, each with its own connection, each running the transaction a save runs: read, then
# write. Both read before either writes (the sleep), which is exactly the case that fails with
# SQLite's default deferred transactions: the second writer cannot upgrade its read lock.
WRITERS = textwrap.dedent(
    """
    import json, threading, time
    import django
    django.setup()
    from django.db import connection, connections, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, writer TEXT)")
        cursor.execute("PRAGMA journal_mode")
        journal_mode = cursor.fetchone()[0]
    connection.close()

    outcomes = {}

    def write(name):
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT COUNT(*) FROM counter")
                    cursor.fetchone()
                    time.sleep(0.5)
                    cursor.execute("INSERT INTO counter (writer) VALUES (%s)", [name])
            outcomes[name] = "ok"
        except Exception as error:
            outcomes[name] = f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with connection.cursor() as cursor:
        cursor.execute("SELECT writer FROM counter ORDER BY writer")
        rows = [row[0] for row in cursor.fetchall()]
    print(json.dumps({"journal_mode": journal_mode, "outcomes": outcomes, "rows": rows}))
    """
)


def test_two_concurrent_write_transactions_on_a_sqlite_file_both_succeed(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", WRITERS],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"journal_mode": "wal", "outcomes": {"a": "ok", "b": "ok"}, "rows": ["a", "b"]}


def test_only_sqlite_gets_the_sqlite_options():
    script = (
        "import django; django.setup(); from django.conf import settings; import json; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    outputs = {}
    for url in ("sqlite:////tmp/never-opened.sqlite3", "postgres://postgres@127.0.0.1:5432/x"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        outputs[url.split(":", 1)[0]] = json.loads(result.stdout)
    assert outputs == {
        "sqlite": {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
        },
        "postgres": {},
    }
