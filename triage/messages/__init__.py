"""Texts and emails the app sends itself (issue #21): UK numbers, the school's message
templates, the settings of the providers (SMTP, an email-to-SMS gateway, GOV.UK Notify) and
the outbox that makes a send happen once. See docs/messages.md."""
