"""Template filters of the published collection's pages."""

from django import template

from plan.editions.render import goal_heading as heading

register = template.Library()


@register.filter
def goal_heading(goal) -> str:
    return heading(goal)
