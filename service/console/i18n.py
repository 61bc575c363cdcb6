"""Chinese and English for the console: labels, the language of a request, dates and money.

Each page module registers its own labels with `register({"en": {...}, "zh": {...}})`, so pages can be
added without editing one shared table; a test checks that both languages name the same keys.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from litestar import Request

from service.pages.i18n import choose

LANGS = ("zh", "en")
ZONE = ZoneInfo(os.environ.get("SHANSHUI_CONSOLE_TIMEZONE", "Asia/Shanghai"))


class Labels(dict[str, str]):
    """A missing label shows its key (visible in review, never a crash)."""

    def __missing__(self, key: str) -> str:
        return key


LABELS: dict[str, Labels] = {"en": Labels(), "zh": Labels()}


def register(labels: dict[str, dict[str, str]]) -> None:
    for lang in LANGS:
        clash = set(labels[lang]) & set(LABELS[lang])
        assert not clash, f"labels registered twice: {sorted(clash)}"
        LABELS[lang].update(labels[lang])


def lang_of(request: Request) -> str:
    """?lang= wins (and is remembered in the session), then the session, then Accept-Language."""
    asked = request.query_params.get("lang")
    session = request.scope.get("session")
    if asked in LANGS:
        if isinstance(session, dict) and session.get("uid") and session.get("lang") != asked:
            request.set_session({**session, "lang": asked})
        return asked
    if isinstance(session, dict) and session.get("lang") in LANGS:
        return session["lang"]
    return choose(None, request.headers.get("accept-language"))


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt_date(value: date | datetime | str | None, lang: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(ZONE).date()
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def fmt_datetime(value: datetime | None, lang: str) -> str:
    if value is None:
        return ""
    local = value.astimezone(ZONE)
    return f"{fmt_date(local.date(), lang)} {local:%H:%M}"


def fmt_money(value: str | int | None, currency: str = "CNY") -> str:
    """A decimal string from the services ("12345.60") with thousands separators ("12,345.60")."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{amount:,.2f}"


register({
    "en": {
        "app_name": "Shanshui Ledger", "console": "Operator console", "sign_in": "Sign in", "sign_out": "Sign out",
        "username": "Username", "password": "Password", "signed_in_as": "Signed in as",
        "bad_credentials": "The username or password is wrong.",
        "account_locked": "Too many failed sign-ins: this account is locked until {until}.",
        "account_wait": "Too many failed sign-ins: wait until {until} before trying again.",
        "account_disabled": "This account is disabled. Ask your administrator.",
        "signed_out": "You are signed out.", "session_expired": "Please sign in.",
        "language": "Language", "print": "Print", "home": "Home", "my_account": "My account",
        "change_password": "Change password", "current_password": "Current password",
        "new_password": "New password", "repeat_password": "New password again",
        "passwords_differ": "The two new passwords differ.", "password_changed": "Your password was changed.",
        "save": "Save", "cancel": "Cancel", "submit": "Submit", "search": "Search", "clear": "Clear",
        "users": "Users", "new_user": "New user", "name": "Name", "role": "Role", "scope": "Scope",
        "county_code": "County code", "trust_id": "Trust id", "party_id": "Party id", "status": "Status",
        "active": "active", "disabled": "disabled", "disable": "Disable", "enable": "Enable",
        "last_sign_in": "Last sign-in", "never": "never", "create": "Create", "user_created": "User {name} created.",
        "role_admin": "Administrator", "role_official": "County official", "role_approver": "Approver",
        "role_trustee": "Trustee", "role_auditor": "Auditor", "role_community": "Household / village",
        "error": "Error", "refused": "The request was refused.", "not_found": "Not found.",
        "forbidden": "You do not have access to this page.", "csrf_failed":
        "This form has expired or did not come from this site. Reload the page and try again.",
        "already_submitted": "This form was already submitted; here is the result.",
        "still_processing": "This form is still being processed. Wait a moment, then reload.",
        "fix_below": "Please correct the fields marked below.", "back": "Back",
        "insufficient_funds": "Not enough money: {available} available, {requested} asked for.",
        "four_eyes": "Four-eyes rule: you cannot approve an entry you entered yourself; another person must.",
        "duplicate_payment": "This payee already has payment #{id} under this program for this period.",
        "nothing_here": "Nothing here yet.", "welcome": "Welcome", "no_pages_yet":
        "Your pages in the console are being built. Your account and password work already.",
        "skip_to_content": "Skip to content", "saved": "Saved.",
        "err_missing": "Required.", "err_format": "Not in the expected format.", "err_number": "A whole number, please.",
        "err_date": "A date, please (YYYY-MM-DD).", "err_choice": "Choose one of the options.",
        "err_too_small": "Too small.", "err_too_large": "Too large.", "main_nav": "Main navigation", "yes": "yes", "no": "no",
    },
    "zh": {
        "app_name": "山水账本", "console": "业务工作台", "sign_in": "登录", "sign_out": "退出登录",
        "username": "用户名", "password": "密码", "signed_in_as": "当前用户",
        "bad_credentials": "用户名或密码错误。",
        "account_locked": "登录失败次数过多，账户已锁定至 {until}。",
        "account_wait": "登录失败次数过多，请于 {until} 之后再试。",
        "account_disabled": "该账户已停用，请联系管理员。",
        "signed_out": "您已退出登录。", "session_expired": "请登录。",
        "language": "语言", "print": "打印", "home": "首页", "my_account": "我的账户",
        "change_password": "修改密码", "current_password": "当前密码",
        "new_password": "新密码", "repeat_password": "再次输入新密码",
        "passwords_differ": "两次输入的新密码不一致。", "password_changed": "密码已修改。",
        "save": "保存", "cancel": "取消", "submit": "提交", "search": "查询", "clear": "清除",
        "users": "用户", "new_user": "新建用户", "name": "姓名", "role": "角色", "scope": "范围",
        "county_code": "县代码", "trust_id": "信托编号", "party_id": "主体编号", "status": "状态",
        "active": "启用", "disabled": "已停用", "disable": "停用", "enable": "启用",
        "last_sign_in": "最近登录", "never": "从未", "create": "创建", "user_created": "已创建用户 {name}。",
        "role_admin": "系统管理员", "role_official": "县级经办人", "role_approver": "审批人",
        "role_trustee": "受托人", "role_auditor": "审计人员", "role_community": "农户／村委会",
        "error": "错误", "refused": "请求被拒绝。", "not_found": "未找到。",
        "forbidden": "您无权访问此页面。", "csrf_failed": "表单已过期或并非来自本站，请刷新页面后重试。",
        "already_submitted": "此表单已提交过，以下为提交结果。",
        "still_processing": "此表单正在处理中，请稍候刷新。",
        "fix_below": "请更正下方标出的内容。", "back": "返回",
        "insufficient_funds": "资金不足：可用 {available}，申请 {requested}。",
        "four_eyes": "双人复核规则：您不能审批自己录入的款项，须由他人审批。",
        "duplicate_payment": "该收款人在本项目本期间已有款项 #{id}。",
        "nothing_here": "暂无内容。", "welcome": "欢迎", "no_pages_yet": "您的工作页面正在建设中；账户和密码已可使用。",
        "skip_to_content": "跳到正文", "saved": "已保存。",
        "err_missing": "必填。", "err_format": "格式不正确。", "err_number": "请填写整数。",
        "err_date": "请填写日期（年-月-日）。", "err_choice": "请从选项中选择。",
        "err_too_small": "数值过小。", "err_too_large": "数值过大。", "main_nav": "主导航", "yes": "是", "no": "否",
    },
})
