"""The texts of the e-mails Axon sends, in the recipient's language."""

from __future__ import annotations

from .ports import OutgoingMail

CONFIRMATION_HOURS = 24


def signup_confirmation(to: str, locale: str, org_name: str, display_name: str, link: str) -> OutgoingMail:
    """The mail that confirms an open sign-up: the account exists once the link is opened."""
    if locale == "zh-CN":
        return OutgoingMail(to, f"确认你的邮箱，加入 {org_name}（Axon）", (
            f"{display_name}，你好：\n\n"
            f"有人用这个邮箱地址申请加入 {org_name} 在 Axon 上的团队。打开下面的链接确认邮箱，账号随即创建：\n\n"
            f"{link}\n\n"
            f"链接 {CONFIRMATION_HOURS} 小时内有效，只能使用一次。"
            f"如果不是你本人申请，忽略这封邮件即可，不会创建任何账号。\n"))
    return OutgoingMail(to, f"Confirm your e-mail address to join {org_name} on Axon", (
        f"Hello {display_name},\n\n"
        f"Someone asked to join {org_name} on Axon with this e-mail address. Open this link to confirm it; "
        f"the account is created when you do:\n\n"
        f"{link}\n\n"
        f"The link works once, for {CONFIRMATION_HOURS} hours. If it was not you, ignore this mail: "
        f"no account is created.\n"))
