"""Sending texts and emails from the queue (#21): "send now" on one family (`t` or `e`,
then `s`) and the due texts to every family still to be reached (`T`, and the palette's
"Send the due texts").

The queue screen stays thin: what goes and to whom, and the sending, are
triage.messages.sending's (plan_messages, send_messages). This asks it in a worker, on a
connection of its own (TriageApp.connect), so the queue stays usable while a provider
answers; shows the message and one question (screens/send_dialogs.py); and sends. Each
accepted message is an attempt written by the send, so the queue's live refresh repaints
its row; a failure is one line, and the outbox keeps it for a retry (docs/messages.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from triage.messages.setup import setup_problem
from triage.model import QueueEntry
from triage.morning.queue import NoMarksError, family_of
from triage.store import StoreError

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from screens.outcome_dialog import SendNow
    from screens.queue_screen import QueueScreen
    from triage.messages.sending import Plan, Planned, Report, Result, Skipped
    from triage.store import Store

# What planning or sending may refuse with one line for the officer: not set up, a secret
# that cannot be read (SecretError) or a template with a mistake (TemplateError) are both
# ValueErrors; a busy or damaged file, a viewer (AccessDenied) are StoreErrors.
SEND_PROBLEMS: tuple[type[Exception], ...] = (StoreError, ValueError, NoMarksError)
GROUP = "messages"  # the workers' group (the tests wait for it)
NOUNS = {"text": "text", "email": "email"}


class QueueMessages:
    """The queue's sending: one per queue screen, called from its actions."""

    def __init__(self, screen: QueueScreen) -> None:
        self.screen = screen
        self.bulk_running = False  # `T` planning, asking or sending: one at a time

    # --- shared ------------------------------------------------------------------------------

    def offer(self, channel: str) -> str | None:
        """What the outcome dialog offers beside logging one sent elsewhere: "" when the app
        can send ``channel`` itself, the line saying how to set it up when it cannot, None
        for a call or a visit."""
        if channel not in NOUNS:
            return None
        try:
            return setup_problem(self.screen.store, channel) or ""
        except StoreError:
            return None  # unreadable now: offer only what worked before

    def _in_worker(self, work: Callable[[Store], None], failed: Callable[[str], None]) -> None:
        """``work`` on a connection of its own, off the interface thread; a problem the
        officer can act on comes back as one line through ``failed``."""
        app = self.screen.triage_app

        def run() -> None:
            try:
                with app.connect() as store:
                    work(store)
            except SEND_PROBLEMS as exc:
                app.call_from_thread(failed, str(exc))

        self.screen.run_worker(run, thread=True, group=GROUP, name="send")

    def _where(self) -> tuple[date, str, datetime]:
        morning = self.screen.morning
        assert morning is not None
        return morning.date, morning.session, self.screen.now()

    def _notify(
        self, line: str, severity: SeverityLevel = "information", timeout: float = 8
    ) -> None:
        # Names, addresses and a provider's words come from outside: never markup.
        self.screen.notify(line, severity=severity, timeout=timeout, markup=False)

    # --- send now: one family ------------------------------------------------------------------

    def send_now(self, family: list[QueueEntry], entry: QueueEntry, choice: SendNow) -> None:
        """`s` in the text or email dialog: this family's next message of that channel (even
        before it is due: the officer's choice), shown, then sent on `y`. The family stays
        claimed (QueueScreen._guarded) until it has gone or the officer says no."""
        from triage.messages.sending import plan_messages

        on, session, now = self._where()
        channel = choice.channel

        def plan(store: Store) -> None:
            found = plan_messages(
                store, channel, on, session, now=now, family_ids=[entry.family_id], early=True
            )
            self.screen.app.call_from_thread(self._preview, family, channel, found)

        self._in_worker(plan, lambda line: self._not_sent(family, line))

    def _preview(self, family: list[QueueEntry], channel: str, plan: Plan) -> None:
        from screens.send_dialogs import SendPreview

        noun = NOUNS[channel]
        if plan.skipped:
            s = plan.skipped[0]
            self._not_sent(family, f"No {noun} sent to {s.contact_name or s.forenames}: {s.why}")
            return
        if not plan.messages:
            self._not_sent(
                family,
                f"No {noun} to send: this family's ladder has no {noun} step left, or nobody "
                "is absent without a reason now.",
            )
            return
        message = plan.messages[0]
        if not message.will_send:
            self._not_sent(family, f"Not sent again: {_already(message)}.")
            return
        self.screen.app.push_screen(
            SendPreview(message, plan.route),
            lambda yes: self._send_one(family, plan) if yes else self._not_sent(family, ""),
        )

    def _send_one(self, family: list[QueueEntry], plan: Plan) -> None:
        from triage.messages.sending import send_messages

        _on, _session, now = self._where()

        def send(store: Store) -> None:
            report = send_messages(store, plan, at=now)
            self.screen.app.call_from_thread(self._sent_one, family, report)

        self._in_worker(send, lambda line: self._not_sent(family, line))

    def _sent_one(self, family: list[QueueEntry], report: Report) -> None:
        self._done_with(family)
        if report.stopped:
            self._notify(f"Not sent: {report.stopped}. Nothing was lost: try again.", "error", 10)
        for result in report.results:
            self._landed(result, retry="t or e, then s")
        for message in report.not_again:
            self._notify(f"Not sent again: {_already(message)}.", "warning")

    def _not_sent(self, family: list[QueueEntry], line: str) -> None:
        """Nothing went (and nothing was written): the claim goes, the line says why."""
        self._done_with(family)
        if line:
            self._notify(line, "warning")

    def _done_with(self, family: list[QueueEntry]) -> None:
        self.screen._release(family)
        self.screen.refresh_progress([e.pupil.id for e in family])

    # --- the due texts: every family still to be reached ------------------------------------

    def send_due_texts(self) -> None:
        """`T`: the ladder's due text to every family still to be reached, after one
        confirmation (how many, how many skipped, a sample with the real values)."""
        if self.screen.morning is None:
            return
        if self.bulk_running:
            self._notify("Still sending the due texts: a moment.")
            return
        problem = self.offer("text")
        if problem:
            self._notify(f"Texts cannot be sent from here: {problem}", "warning", 12)
            return
        from triage.messages.sending import plan_messages, session_outbox

        on, session, now = self._where()
        self.bulk_running = True

        def plan(store: Store) -> None:
            found = plan_messages(store, "text", on, session, now=now)
            earlier = sum(
                1 for row in session_outbox(store, on, session, "text") if row.state == "accepted"
            )
            self.screen.app.call_from_thread(self._confirm_due, found, earlier)

        self._in_worker(plan, self._bulk_stopped)

    def _confirm_due(self, plan: Plan, earlier: int) -> None:
        """``earlier``: the session's texts accepted before now (their steps are done)."""
        from screens.send_dialogs import SendDueConfirm, plural

        to_send, left_out = self._not_now(plan.to_send)
        if not to_send:
            self.bulk_running = False
            said = [f"{earlier} sent earlier"] if earlier else []
            said += [f"{len(plan.skipped)} skipped (no mobile)"] if plan.skipped else []
            said += [f"{len(left_out)} left out (being worked)"] if left_out else []
            self._notify(
                "No texts to send now: nothing new is due"
                + (f" ({', '.join(said)})." if said else ".")
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._notify(f"Sending {plural(len(to_send), 'text')}…", timeout=4)
                self._send_due([m.family_id for m in to_send])
            else:
                self.bulk_running = False

        self.screen.app.push_screen(SendDueConfirm(plan, to_send, left_out, earlier), answered)

    def _not_now(self, due: Sequence[Planned]) -> tuple[list[Planned], list[Skipped]]:
        """The bulk send leaves out a family this screen is still saving an entry for, or
        that another officer is working on now (as `t` would ask first): their message
        waits for the next `T`, or for `t` on the family."""
        from triage.messages.sending import Skipped

        screen = self.screen
        assert screen.morning is not None and screen.progress is not None
        claims = screen.progress.claims
        to_send: list[Planned] = []
        left_out: list[Skipped] = []
        for message in due:
            family = family_of(screen.morning, message.pupil_ids[0])
            pupils = [e.pupil.id for e in family.entries]
            holders = sorted({claims[p] for p in pupils if p in claims})
            if any(p in screen.saving for p in pupils):
                why = "an entry for this family is still saving"
            elif holders:
                why = f"{', '.join(holders)} is working on this family now (t sends it)"
            else:
                to_send.append(message)
                continue
            left_out.append(Skipped(message.family_id, message.forenames, "", why))
        return to_send, left_out

    def _send_due(self, family_ids: list[int]) -> None:
        from triage.messages.sending import plan_messages, send_messages

        on, session, now = self._where()
        app = self.screen.app

        def send(store: Store) -> None:
            # Planned again for the families confirmed: one resolved since is not texted.
            plan = plan_messages(store, "text", on, session, now=now, family_ids=family_ids)
            report = send_messages(
                store,
                plan,
                at=now,
                on_result=lambda result: app.call_from_thread(self._landed, result, "T"),
            )
            app.call_from_thread(self._due_sent, report)

        self._in_worker(send, self._bulk_stopped)

    def _landed(self, result: Result, retry: str) -> None:
        """One message's answer, as it comes: an accepted one is an attempt the live refresh
        shows on its row; one that failed is one line, and stays in the outbox."""
        from triage.messages.sending import Planned

        message = result.message
        noun = NOUNS.get(message.channel, message.channel).capitalize()
        if isinstance(message, Planned):
            who = f"{message.contact.name} ({message.recipient}) about {message.forenames}"
        else:
            who = f"{message.contact_name or ''} ({message.recipient})"
        if result.state == "accepted":
            if retry != "T":  # one family: said here; the bulk send counts them at the end
                self._notify(f"{noun} sent to {who}.", timeout=5)
        elif result.state == "failed":
            self._notify(
                f"{noun} to {who} not sent: {result.detail}. It is kept: {retry} tries it again.",
                "error",
                12,
            )
        elif result.state == "in_doubt":
            self._notify(
                f"{noun} to {who} may or may not have gone ({result.detail}): not sent again "
                "until an officer checks (triage send outbox, then triage send resolve).",
                "warning",
                15,
            )
        else:
            self._notify(f"{noun} to {who}: {result.detail}.", "warning")

    def _due_sent(self, report: Report) -> None:
        from screens.send_dialogs import plural

        self.bulk_running = False
        self.screen.refresh_progress()  # at once, rather than on the next live tick
        sent = report.count("accepted")
        line = f"{plural(sent, 'text')} sent"
        failed = report.count("failed")
        if failed:
            line += f"; {failed} not sent (kept in the outbox: T tries again)"
        if report.count("in_doubt"):
            line += f"; {report.count('in_doubt')} in doubt (triage send outbox)"
        if report.stopped:
            line += f"; stopped: {report.stopped}. The rest wait: T sends them"
        self._notify(line + ".", "error" if failed or report.stopped else "information", 10)

    def _bulk_stopped(self, line: str) -> None:
        self.bulk_running = False
        self._notify(f"Texts not sent: {line}", "error", 12)


def _already(message: Planned) -> str:
    """Why a planned message does not go again (its state in the outbox)."""
    from triage.messages.sending import MAX_TRIES

    said = {
        "accepted": "it was sent earlier",
        "in_doubt": "it may have gone and waits for an officer's word (triage send outbox)",
        "sending": "it is being sent now",
        "failed": f"it failed {MAX_TRIES} times: reach the family another way (triage send outbox)",
    }.get(message.state or "", f"it is {message.state}")
    return f"the {message.channel} to {message.contact.name} about {message.forenames}: {said}"
