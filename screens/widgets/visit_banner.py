"""The overdue-return banner: a home visit not ended by the time its officer was expected
back, on the queue and the visits screen, until somebody extends, ends or escalates it
(the lone-working procedure). The DSL banner's widget, with other words."""

from __future__ import annotations

from collections.abc import Sequence

from screens.widgets.dsl_banner import AlertBanner, short_name
from triage.visits.lone_working import OverdueVisit

HEAD = "Visit overdue:"
HINT = "V: extend (m), end (e) or escalate (E)"


def overdue_label(visit: OverdueVisit) -> str:
    back = visit.expected_back.astimezone()
    return f"{short_name(visit.names)} ({visit.officer}) back by {back:%H:%M}"


class VisitBanner(AlertBanner):
    def show_overdue(self, overdue: Sequence[OverdueVisit], hint: bool = True) -> None:
        self.show_alert(HEAD, [overdue_label(o) for o in overdue], HINT if hint else None)
