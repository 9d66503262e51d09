"""The footer of every working screen: Textual's `Footer`, rebuilt only when it would change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen


class SteadyFooter(Footer):
    """Textual's `Footer`, recomposed only when the keys it shows have changed.

    `Footer` throws away and mounts again one widget per key whenever its screen's
    bindings *may* have changed, which includes every return from a dialog. On the queue
    that is the key that confirms an outcome: about 16 ms of its cost spent rebuilding the
    same fifteen keys. Here the keys shown (key, description, action, enabled, tooltip) are
    compared with those last composed, and an unchanged footer is left alone.
    """

    _shown: tuple | None = None

    def _keys_shown(self) -> tuple:
        active = self.screen.active_bindings
        return tuple(
            (binding.key, binding.description, binding.action, enabled, tooltip)
            for _node, binding, enabled, tooltip in active.values()
            if binding.show or binding.key == self.app.COMMAND_PALETTE_BINDING
        )

    def compose(self):
        if self._bindings_ready:
            self._shown = self._keys_shown()
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        if (
            self._shown is not None
            and self.is_attached
            and screen is self.screen
            and self._keys_shown() == self._shown
        ):
            return
        super().bindings_changed(screen)
