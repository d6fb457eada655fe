"""Why an email was not sent, in the service's own terms (pure domain).

The mailer (``adapters.SmtpMailer``) turns its transport's errors into these, so that
``handlers.deliver`` chooses between trying again and giving up without knowing SMTP. The text of
a failure is the reason recorded on the delivery (``last_error``, shown in the delivery log).
"""


class DeliveryFailure(Exception):
    """The email was not sent; ``str(failure)`` is the reason."""


class TemporaryDeliveryFailure(DeliveryFailure):
    """Worth trying again later: the server deferred the email (4xx) or could not be reached."""


class PermanentDeliveryFailure(DeliveryFailure):
    """Trying again will not help: the server refused the email (5xx) or the address is unusable."""
