"""Labels of the pages in Chinese and English, and choosing the language of a request."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "proofs_title": "Published proofs", "proofs_hint": "Each line's entry is in a tree whose root the county signed "
        "and published. Save this page and check it with the offline checker:", "proof_leaf": "leaf",
        "proof_head": "signed head of", "proof_none": "not yet in a signed head",
        "statement_title": "Benefit statement", "transparency_title": "Where the money went",
        "period": "Period", "all_periods": "all periods", "date": "Date", "kind": "Kind", "description": "Description",
        "rule": "Rule", "amount": "Amount (CNY)", "running_total": "Running total", "total": "Total approved",
        "entries": "Entries", "verification_code": "Verification code", "as_of": "Computed at ledger entry",
        "chain_hash": "Chain hash", "print": "Print this statement", "verify_hint":
        "Anyone can check this statement is genuine at", "no_lines": "Nothing received in this period.",
        "money_in": "Money in", "money_out": "Money out", "to_communities": "To village committees",
        "to_households": "To households", "households": "Beneficiary households", "share": "Reached communities and households",
        "stipends": "Patrol stipends", "patrol_days": "Patrol days", "incidents": "Incidents",
        "county": "County", "program": "Program", "trust": "Trust", "suppressed": "not shown (fewer than {k} households)",
        "by_village": "Money by village", "by_month": "Money by month", "flows": "Flows", "by_gender": "By gender",
        "gender": "Gender", "female": "women", "male": "men", "other": "other", "unrecorded": "not recorded",
        "kind_payment": "compensation payment", "kind_stipend": "patrol stipend", "kind_distribution": "share distribution",
        "kind_levy": "eco-product levy", "kind_disbursement": "trust disbursement", "kind_adjustment": "adjustment",
        "kind_funding": "funding", "kind_contribution": "contribution", "kind_fee": "fee", "kind_reversal": "correction",
        "reversal": "correction (reversal)", "token": "Your access token", "show": "Show my statement",
        "verify_title": "Check a statement", "code": "Code", "check": "Check", "valid": "Genuine statement",
        "invalid": "No statement matches this code", "cert_title": "Check an eco-product certificate",
        "cert_not_found": "No certificate found for this traceability code.",
        "cert_active": "Genuine certificate, active today", "cert_inactive": "Genuine code, but the certificate is {status}: not valid today", "party_id": "Party id (auditors only)",
        "everyone": "all", "hidden": "hidden", "k_note": "Cells with fewer than {k} households are hidden, and so are cells a total would reveal.",
        "product": "Shanshui Ledger", "paid_in": "Paid in", "village_committees": "Village committees",
        "organisations": "Organisations", "households_node": "Households", "unknown": "unknown", "year": "{p} (year)", "month": "{p} (month)",
        "download": "Download", "village": "Village", "received": "Received (CNY)",
        "reversal_note": "Corrections count in the month and period of the entry they correct.",
        "state": "State", "state_paid": "paid {date}", "state_approved": "approved, on its way",
        "state_reversed": "reversed", "state_reversal": "correction", "paid_total": "Paid to you",
        "on_its_way": "Approved, on its way", "corrections": "Corrections",
        "total_note": "Total approved = paid + on its way + corrections.",
    },
    "zh": {
        "statement_title": "生态补偿收益对账单", "transparency_title": "资金去向公示",
        "period": "期间", "all_periods": "全部期间", "date": "日期", "kind": "类别", "description": "说明",
        "rule": "依据", "amount": "金额（元）", "running_total": "累计", "total": "已批准合计",
        "entries": "笔数", "verification_code": "核验码", "as_of": "账本序号", "chain_hash": "链哈希",
        "print": "打印对账单", "proofs_title": "公开证明",
        "proofs_hint": "每一笔都在县里签名并公布了根哈希的账本树中。保存本页，用离线核验页核验：", "proof_leaf": "叶哈希",
        "proof_head": "已签名树头", "proof_none": "尚未纳入签名树头", "verify_hint": "任何人可在此核验本对账单真伪：", "no_lines": "本期间没有收款。",
        "money_in": "资金来源", "money_out": "资金支出", "to_communities": "拨付村委会", "to_households": "发放到户",
        "households": "受益户数", "share": "到达村和农户的比例", "stipends": "巡护补贴", "patrol_days": "巡护天数",
        "incidents": "事件", "county": "县", "program": "项目", "trust": "信托",
        "suppressed": "不公开（少于{k}户）", "by_village": "各村收款", "by_month": "按月资金", "flows": "资金流向",
        "by_gender": "按性别", "gender": "性别", "female": "女", "male": "男", "other": "其他", "unrecorded": "未登记",
        "kind_payment": "补偿款", "kind_stipend": "巡护补贴", "kind_distribution": "收益分配", "kind_levy": "生态产品提成",
        "kind_disbursement": "信托拨付", "kind_adjustment": "调整", "kind_funding": "拨款", "kind_contribution": "出资",
        "kind_fee": "管理费", "kind_reversal": "冲正", "reversal": "冲正", "token": "您的访问令牌",
        "show": "查看我的对账单", "verify_title": "核验对账单", "code": "核验码", "check": "核验", "valid": "对账单真实有效",
        "invalid": "没有与此核验码相符的对账单", "cert_title": "生态产品认证查询",
        "cert_not_found": "未找到该追溯码对应的认证。",
        "cert_active": "认证真实有效（今日有效）", "cert_inactive": "追溯码真实，但该认证状态为 {status}：今日无效", "party_id": "主体编号（仅审计）", "everyone": "全部", "hidden": "不公开",
        "k_note": "少于{k}户的单元格不公开；可由合计推算出的单元格也一并隐藏。",
        "product": "山水生态账本", "paid_in": "拨入资金", "village_committees": "村委会", "organisations": "单位",
        "households_node": "农户", "unknown": "未知", "year": "{y}年", "month": "{y}年{m}月", "download": "下载", "village": "村",
        "received": "收款（元）", "reversal_note": "冲正计入其所冲正记录的月份和期间。",
        "state": "状态", "state_paid": "已到账 {date}", "state_approved": "已批准，在途", "state_reversed": "已冲正",
        "state_reversal": "冲正", "paid_total": "已到账", "on_its_way": "已批准，在途", "corrections": "冲正",
        "total_note": "已批准合计 = 已到账 + 在途 + 冲正。",
    },
}


def choose(lang: str | None, accept_language: str | None) -> str:
    """?lang= wins; otherwise the first of zh/en named in Accept-Language; English by default."""
    if lang in LABELS:
        return lang
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en"
