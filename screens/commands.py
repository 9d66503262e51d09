"""The command palette (ctrl+p): every key of a screen by its description, and any
pupil's case by name or UPN."""

from __future__ import annotations

from textual.binding import Binding
from textual.command import Hit, Hits, Provider


class BindingCommands(Provider):
    """Every key of the screen, by its description, in the command palette (ctrl+p)."""

    async def search(self, query: str) -> Hits:
        screen = self.screen
        matcher = self.matcher(query)
        for binding in screen.BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            name = binding.action.split("(")[0]
            if screen.check_action(name, ()) is False:
                continue
            score = matcher.match(binding.description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(binding.description),
                    lambda action=binding.action: screen.run_action(action),
                    help=f"key: {binding.key_display or binding.key}",
                )


class FindPupil(Provider):
    """Open any pupil's case from anywhere: type part of a name or UPN in the palette."""

    async def startup(self) -> None:
        from screens.officer_screen import triage_app

        with triage_app(self).connect() as store:
            self.pupils = [(p.id, p.display_name, p.upn) for p in store.pupils()]

    async def search(self, query: str) -> Hits:
        if len(query.strip()) < 2:
            return
        matcher = self.matcher(query)
        for pupil_id, name, upn in self.pupils:
            text = f"{name} ({upn})"
            score = max(matcher.match(text), 1.0 if query.strip().upper() in upn else 0.0)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    lambda pid=pupil_id: self._open(pid),
                    help="open the case",
                )

    def _open(self, pupil_id: int) -> None:
        from screens.case_screen import CaseScreen

        self.app.push_screen(CaseScreen(pupil_id))


class ReportCommands(Provider):
    """The reports for heads of year, governors and the local authority, from anywhere."""

    async def search(self, query: str) -> Hits:
        from triage.reports.catalogue import KIND_LABELS

        matcher = self.matcher(query)
        for kind, label in KIND_LABELS.items():
            text = f"Report: {label}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    lambda kind=kind: self._open(kind),
                    help="open the reports screen",
                )

    def _open(self, kind: str) -> None:
        from screens.reports_screen import ReportsScreen

        self.app.push_screen(ReportsScreen(kind))
