"""Every key of the queue, by name, in the command palette (ctrl+p)."""

from __future__ import annotations

from textual.binding import Binding
from textual.command import Hit, Hits, Provider


class QueueCommands(Provider):
    async def search(self, query: str) -> Hits:
        from screens.queue_screen import QueueScreen

        screen = self.screen
        if not isinstance(screen, QueueScreen):
            return
        matcher = self.matcher(query)
        for binding in screen.BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if not screen.check_action(binding.action.split("(")[0], ()):
                continue  # e.g. a viewer is not offered the keys that write
            score = matcher.match(binding.description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(binding.description),
                    lambda action=binding.action: screen.run_action(action),
                    help=f"key: {binding.key}",
                )


class FindPupil(Provider):
    """Open any pupil's case from anywhere: type part of a name or UPN in the palette."""

    async def startup(self) -> None:
        from triage.store import open_store

        app = self.app
        with open_store(app.db_path, create=False, officer=app.officer) as store:  # type: ignore[attr-defined]
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
