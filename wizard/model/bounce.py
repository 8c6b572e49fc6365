"""What the receiver said: the bounce, one status per recipient, and its status code explained."""
from __future__ import annotations

from msgspec import Struct


class CodeExplanation(Struct, frozen=True):
    code: str  # as given, e.g. "5.7.26"
    valid: bool  # RFC 3463 §2 syntax
    class_title: str  # "Permanent Failure"
    subject_title: str  # "Security or Policy Status"
    registry_title: str | None  # None when the registry has no such detail code
    registry_description: str | None
    registry_reference: str | None
    provider: str | None
    provider_meaning: str | None  # set when the provider's meaning differs from the registry
    topic: str  # "dmarc", "dkim", "spf", "smtp_auth", "tls", "ptr", "rate", ... (see _TOPICS)
    plain: str  # plain-language explanation
    causes: tuple[str, ...]
    next_steps: tuple[str, ...]

    @property
    def is_smtp_auth(self) -> bool:
        """SMTP AUTH (RFC 4954) between client and server: no DNS record fixes it (CAUSE-20)."""
        return self.topic == "smtp_auth"


class RecipientStatus(Struct, frozen=True):
    """One per-recipient block of a DSN, or one failed address of a text NDR."""

    recipient: str
    original_recipient: str | None
    actual_recipient: str | None  # X-Actual-Recipient (Sendmail/Postfix after aliasing)
    kind: str  # permanent | gave_up | delayed | success
    status: str | None  # most specific enhanced code
    dsn_status: str | None  # the DSN `Status:` field as given
    enhanced_from: str | None  # reply | dsn | text | ses | subject (inferred, DSN-20)
    reply_code: int | None
    reply_text: str | None
    action: str | None
    diagnostic_code: str | None
    remote_mta: str | None
    last_attempt_date: str | None
    will_retry_until: str | None
    # DSN-19: Final-Recipient as written when it names no mailbox (a program, file, host or
    # source route), what it names, and where the recovered `recipient` came from.
    recipient_raw: str | None = None
    recipient_target: str | None = None  # program | file | host | route
    recipient_from: str | None = None  # Original-Recipient | X-Failed-Recipients | ...


class Bounce(Struct, frozen=True):
    kind: str  # permanent | gave_up | delayed | success | not_a_bounce
    layout: str  # the NDR layout recognised (DSN-09)
    status: str | None  # most specific enhanced code (first recipient)
    dsn_status: str | None
    reply_code: int | None
    enhanced_from: str | None  # reply | dsn | text | ses | subject (inferred, DSN-20)
    recipients: tuple[str, ...]
    reporting_mta: str | None
    remote_mta: str | None
    diagnostic_code: str | None
    action: str | None
    stage: str | None  # connect | helo | mail_from | rcpt_to | data
    provider: str | None  # remote provider (DSN-10)
    reply_text: str | None
    explanation: CodeExplanation | None
    arrival_date: str | None
    last_attempt_date: str | None
    per_recipient: tuple[RecipientStatus, ...]
    report_type: str | None  # "delivery-status", "feedback-report", ... or None
    ses: SesNotice | None = None  # DSN-18: the notification was Amazon SES JSON
    # DSN-21: the further notifications of the same file (an mbox, DSNs one after another),
    # each read on its own; this one is the first.
    more_notifications: tuple[Bounce, ...] = ()


class SesNotice(Struct, frozen=True):
    """DSN-18: what an Amazon SES notification says about itself, beyond the per-recipient
    statuses."""

    notification_type: str  # Bounce | Complaint | Delivery
    bounce_type: str | None  # Permanent | Transient | Undetermined
    bounce_subtype: str | None  # General, NoEmail, Suppressed, OnAccountSuppressionList, ...
    complaint_type: str | None  # complaintFeedbackType: abuse, fraud, ...
    source: str | None  # mail.source: the sender SES sent for
    message_id: str | None  # mail.messageId: SES's id of the original message
