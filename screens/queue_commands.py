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
