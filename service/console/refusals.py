"""Chinese for the refusals the domain services write in English.

The services answer the API in English (RFC 9457 `detail` and `reason`); the console shows the same
refusal in the reader's language. Each line pairs the English pattern with its Chinese wording; the
named groups carry the values over. A refusal no line knows is shown in English after a Chinese lead,
so nothing is ever hidden; a test lists every pattern with an example message.
"""

from __future__ import annotations

import re

CATALOG: list[tuple[str, str]] = [
    (r"must be greater than zero", "必须大于零"),
    (r"must not be negative", "不能为负数"),
    (r"amount is out of range|the rule gives an amount out of range", "金额超出允许范围"),
    (r"must be a decimal string such as \"(?P<ex>[^\"]+)\", not a number", "请填写小数形式的数字，例如 “{ex}”"),
    (r"'(?P<text>.*)' is not a decimal amount such as \"(?P<ex>[^\"]+)\"", "“{text}”不是有效金额，例如 “{ex}”"),
    (r"'(?P<text>.*)' is not an area in mu such as \"(?P<ex>[^\"]+)\"", "“{text}”不是有效面积（亩），例如 “{ex}”"),
    (r"(?P<cur>[A-Z]{3}) has (?P<n>\d+) decimal places; '(?P<text>.*)' has (?P<m>\d+)",
     "{cur} 最多 {n} 位小数；“{text}”有 {m} 位"),
    (r"'(?P<text>.*)' is not a year \(\"2026\"\) or a month \(\"2026-03\"\)",
     "“{text}”不是年份（如 “2026”）或月份（如 “2026-03”）"),
    (r"a month such as \"2026-03\"", "请填写月份，例如 “2026-03”"),
    (r"the rule gives (?P<amount>\S+); nothing to pay", "按规则计算为 {amount}，无需支付"),
    (r"(?P<value>\S+) is above the program's maximum of (?P<max>\S+)", "{value} 超过本项目上限 {max}"),
    (r"a (?P<rule>\S+) program needs a positive (?P<name>\S+)", "本项目须填写大于零的 {name}"),
    (r"'(?P<cat>.*)' is not in the program's table \((?P<known>.*)\)", "类别“{cat}”不在本项目的标准表中（{known}）"),
    (r"unknown payee (?P<id>\d+)", "收款人 {id} 不存在"),
    (r"unknown party (?P<id>\d+)", "当事方 {id} 不存在"),
    (r"unknown village (?P<id>\d+)", "村 {id} 不存在"),
    (r"unknown account (?P<id>\d+)", "账户 {id} 不存在"),
    (r"(?P<day>\S+) is in the future", "{day} 是将来的日期"),
    (r"payee (?P<payee>\d+) already has payment (?P<id>\d+) under program (?P<program>\d+) for (?P<period>\S+)",
     "收款人 {payee} 在项目 {program} 的 {period} 期间已有款项 #{id}"),
    (r"payment (?P<id>\d+) is (?P<status>\w+); (?P<action>.+) needs it to be (?P<allowed>.+)",
     "款项 #{id} 当前状态为 {status}，此操作要求状态为 {allowed}"),
    (r"funding (?P<id>\d+) is (?P<status>\w+); only a pending funding can be decided",
     "拨款 #{id} 当前状态为 {status}，只有待审批的拨款可以审批"),
    (r"batch (?P<id>\d+) has no pending payments left to approve", "批次 #{id} 已没有待审批的款项"),
    (r"this file was already committed as batch (?P<id>\d+)", "此文件已作为批次 #{id} 提交过"),
    (r"bank reference (?P<ref>\S+) is already recorded on payment (?P<id>\d+)", "银行流水号 {ref} 已登记在款项 #{id}"),
    (r"this checked file is no longer available; upload it again", "检查过的文件已失效，请重新上传"),
    (r"you may (?P<what>.+) only (?:in|for) county (?P<county>\S+)", "您只能在县 {county} 内操作"),
    (r"(?P<kind>program|payment|batch|funding|party|stipend run|reconciliation) (?P<id>\d+) not found",
     "未找到编号为 {id} 的记录"),
    (r"looks like a spreadsheet formula; remove the leading = \+ - @", "看起来像电子表格公式，请去掉开头的 = + - @"),
    (r"a household or person needs a division_code or a parent village", "农户或个人须填写行政区划代码或所属村"),
    (r"must be csv or xlsx", "文件须为 CSV 或 XLSX"),
    (r"(?P<text>.*) is not a whole count", "{text} 不是整数"),
    (r"persons and months are whole numbers", "人数和月数须为整数"),
    (r"a whole number", "须为整数"),
    # a register's rows (enrollments.imports, matched by compensation.batches)
    (r"unknown village '(?P<v>.*)'", "村“{v}”不存在"),
    (r"village '(?P<v>.*)' is ambiguous", "村名“{v}”对应多个村，请写全称"),
    (r"give the last 4 characters of the ID number", "请填写身份证号码后四位"),
    (r"unknown payee: no household with this name and ID tail in the village", "本村没有此户主姓名和身份证后四位的农户"),
    (r"ambiguous payee: several households match", "有多户农户符合，无法确定是哪一户"),
    (r"give the last 4 digits of the bank account", "请填写银行账号后四位"),
    (r"differs from the bank account registered for this household", "与该户登记的银行账号不一致"),
    (r"give a parcel code of letters, digits, \. _ / -", "小班号只能由字母、数字和 . _ / - 组成"),
    (r"'(?P<text>.*)' is not a date \(YYYY-MM-DD\)", "“{text}”不是日期（格式为 YYYY-MM-DD）"),
    (r"parcel (?P<code>\S+) is also on row (?P<row>\d+)", "地块 {code} 在第 {row} 行也出现了"),
    (r"parcel (?P<code>\S+) is already enrolled by household (?P<holder>.+) \(party (?P<id>\d+)\); "
     r"it cannot also be enrolled for (?P<name>.+)", "地块 {code} 已由农户 {holder}（编号 {id}）登记，不能再登记给 {name}"),
    (r"the household is already enrolled in this program: add a parcel with a change request",
     "该户已在本项目登记：增加地块请录入变更申请"),
    (r"the household's rows give different start dates \((?P<start>\S+) on row (?P<row>\d+)\)",
     "该户各行的纳入日期不一致（第 {row} 行为 {start}）"),
    (r"(?P<day>\S+) is outside the program's period (?P<start>\S+) to (?P<end>\S+)",
     "{day} 不在本项目期间（{start} 至 {end}）内"),
    (r"the payee \((?P<division>.+)\) is outside the program's area", "该户（{division}）不在本项目范围内"),
    (r"a (?P<kind>\w+) is not eligible; the program pays (?P<kinds>.+)", "本项目不向此类当事方（{kind}）发放"),
    (r"the file has no rows", "文件中没有数据行"),
    (r"(?P<n>\d+) problem\(s\) in the register; nothing was written", "名册中有 {n} 处问题，未写入任何数据"),
    (r"(?:field required|Field required)", "此项必填"),
    (r"String should have at most (?P<n>\d+) characters?", "最多 {n} 个字符"),
    (r"String should have at least (?P<n>\d+) characters?", "至少 {n} 个字符"),
]

_COMPILED = [(re.compile(pattern), zh) for pattern, zh in CATALOG]
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
UNKNOWN_LEAD = "未通过检查："


def in_chinese(message: str) -> str:
    """The Chinese wording of an English refusal; unknown refusals keep their English after a lead."""
    for pattern, zh in _COMPILED:  # first: an English refusal may carry Chinese names (a village, a household)
        m = pattern.fullmatch(message.strip())
        if m:
            return zh.format(**m.groupdict())
    if _CHINESE.search(message):  # the console's own labels are already in Chinese
        return message
    return UNKNOWN_LEAD + message


def translate_errors(errors: dict[str, str], lang: str) -> dict[str, str]:
    """A form's refusals by field, in the reader's language."""
    if lang != "zh":
        return errors
    return {name: in_chinese(message) if isinstance(message, str) else message for name, message in errors.items()}
