"""Subscriber self-service over USSD and SMS (issue 3, §3).

:mod:`.ussd` — provider-neutral USSD request/reply and the menus; :mod:`.sms` — inbound
SMS to short numbers and the outbound SMS port; :mod:`.texts` — the screens' texts.
"""

from helpline.services.selfservice.sms import (
    InboundSms,
    OutboundSms,
    SmsReply,
    SmsSender,
    StoreSmsSender,
    handle_sms,
)
from helpline.services.selfservice.ussd import (
    SelfServiceBackend,
    StoreBackend,
    UssdReply,
    UssdRequest,
    handle_ussd,
    run_ussd,
)

__all__ = [
    "InboundSms",
    "OutboundSms",
    "SelfServiceBackend",
    "SmsReply",
    "SmsSender",
    "StoreBackend",
    "StoreSmsSender",
    "UssdReply",
    "UssdRequest",
    "handle_sms",
    "handle_ussd",
    "run_ussd",
]
