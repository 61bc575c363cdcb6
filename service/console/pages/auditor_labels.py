"""Chinese and English for the auditor's pages (keys prefixed `au_`)."""

from __future__ import annotations

from service.console.i18n import register

CHECKS_EN = {
    "duplicate_payment": "Duplicate payment", "amount_above_rule": "Amount above the program's rule",
    "payee_outside_program_area": "Payee outside the program's area",
    "self_approval": "Approved by the person who entered it",
    "paid_after_certificate_expired": "Paid after the certificate expired",
    "stipend_above_cap": "Stipend above the cap",
    "disbursement_beyond_share": "Disbursement beyond the agreement's share",
    "outside_program_period": "Outside the program's period", "broken_hash_chain": "Broken hash chain",
}
CHECKS_ZH = {
    "duplicate_payment": "重复支付", "amount_above_rule": "金额超过项目标准", "payee_outside_program_area": "收款人不在项目范围内",
    "self_approval": "录入人自行审批", "paid_after_certificate_expired": "认证过期后支付", "stipend_above_cap": "补贴超过上限",
    "disbursement_beyond_share": "拨付超过合同份额", "outside_program_period": "超出项目期间", "broken_hash_chain": "哈希链断裂",
}

register({
    "en": {
        **{f"au_check_{k}": v for k, v in CHECKS_EN.items()},
        "au_anomalies": "Anomalies", "au_journal": "Journal", "au_flows": "Flows", "au_trial_balance": "Trial balance",
        "au_verify": "Verify the ledger", "au_downloads": "Downloads", "au_finding_title": "Finding {n}",
        "au_point": "Computed at ledger entry {sequence}", "au_chain_ok": "The hash chain is intact up to this point.",
        "au_chain_broken": "The hash chain is broken: {reason}", "au_checks_run": "Checks run",
        "au_no_findings": "No anomaly found.", "au_check": "Check", "au_detail": "What was found",
        "au_entries": "Entries behind it", "au_facts": "Facts", "au_open_entries": "Entries",
        "au_flows_picture": "Money flows from source accounts to recipients", "au_from": "From", "au_to": "To",
        "au_split_by": "Split by", "au_by_program": "program", "au_by_county": "county", "au_by_trust": "trust",
        "au_by_period": "period", "au_show": "Show", "au_account_code": "Account code", "au_account_kind": "Kind",
        "au_debits": "Debits", "au_credits": "Credits", "au_balanced": "Debits equal credits: the books balance.",
        "au_unbalanced": "Debits and credits differ: the books do not balance.",
        "au_run_verify": "Verify the ledger now",
        "au_verify_intro": "Recomputes every entry's hash from its content and the entry before it, and every "
                           "account's totals from its postings.",
        "au_verify_ok": "The ledger is intact.", "au_verify_bad": "The ledger does NOT verify.",
        "au_checked": "Entries checked", "au_head_checked": "Head it checked", "au_current_head": "Current head",
        "au_first_break": "First break", "au_mismatches": "Accounts whose totals differ from their postings",
        "au_filters": "Filters", "au_kind_any": "any kind", "au_status_any": "any status", "au_date_from": "From date",
        "au_date_to": "To date", "au_seq_from": "From sequence", "au_seq_to": "To sequence",
        "au_account_filter": "Account code", "au_moved": "Amount moved", "au_approved_by": "Approved by",
        "au_older": "Earlier entries", "au_newer": "Later entries", "au_entry_title": "Journal entry No. {id}",
        "au_postings": "Postings", "au_metadata": "Metadata", "au_around": "The entries around it in the chain",
        "au_prev_hash": "Previous hash", "au_hash_ok": "The hash recomputed from this entry's content and the "
        "entry before it matches.", "au_hash_bad": "The hash does not check: {reason}",
        "au_not_chained": "This entry is {status}: it has no place in the chain.", "au_reverses": "Reverses entry",
        "au_reversed_by": "Reversed by entry", "au_void_reason": "Void reason", "au_recorded": "Recorded",
        "au_posted": "Posted", "au_effective": "Effective date", "au_request": "Request", "au_this": "this entry",
        "au_download_intro": "Every report, computed at the ledger's current head (or at the entry you give).",
        "au_report": "Report", "au_formats": "Formats", "au_dl_audit": "Audit report (trial balance, flows, "
        "reconciliation, anomalies, chain)", "au_dl_journal": "Journal postings (for offline recomputation)",
        "au_dl_transparency": "Public transparency report (small cells suppressed)",
        "au_dl_giving": "360Giving open data", "au_dl_tables": "Single tables", "au_at": "At ledger entry",
        "au_no_entries": "No entry matches.",
    },
    "zh": {
        **{f"au_check_{k}": v for k, v in CHECKS_ZH.items()},
        "au_anomalies": "异常", "au_journal": "日记账", "au_flows": "资金流向", "au_trial_balance": "试算平衡表",
        "au_verify": "核验账本", "au_downloads": "下载", "au_finding_title": "异常 {n}",
        "au_point": "计算截至账本序号 {sequence}", "au_chain_ok": "截至此处哈希链完整。",
        "au_chain_broken": "哈希链断裂：{reason}", "au_checks_run": "已执行的检查", "au_no_findings": "未发现异常。",
        "au_check": "检查项", "au_detail": "发现内容", "au_entries": "相关分录", "au_facts": "要素",
        "au_open_entries": "分录", "au_flows_picture": "资金从来源账户流向收款方", "au_from": "来源", "au_to": "去向",
        "au_split_by": "分组", "au_by_program": "项目", "au_by_county": "县", "au_by_trust": "信托", "au_by_period": "期间",
        "au_show": "显示", "au_account_code": "账户代码", "au_account_kind": "类型", "au_debits": "借方合计",
        "au_credits": "贷方合计", "au_balanced": "借贷相等，账目平衡。", "au_unbalanced": "借贷不等，账目不平衡！",
        "au_run_verify": "立即核验账本", "au_verify_intro": "根据每笔分录的内容和前一笔分录重新计算其哈希，并根据过账记录重新计算每个账户的合计。",
        "au_verify_ok": "账本完整无误。", "au_verify_bad": "账本核验未通过！", "au_checked": "已核验分录",
        "au_head_checked": "核验到的链头", "au_current_head": "当前链头", "au_first_break": "第一个断点",
        "au_mismatches": "合计与过账记录不符的账户", "au_filters": "筛选", "au_kind_any": "全部类别",
        "au_status_any": "全部状态", "au_date_from": "起始日期", "au_date_to": "截止日期", "au_seq_from": "起始序号",
        "au_seq_to": "截止序号", "au_account_filter": "账户代码", "au_moved": "金额", "au_approved_by": "审批人",
        "au_older": "较早的分录", "au_newer": "较新的分录", "au_entry_title": "日记账分录第 {id} 号",
        "au_postings": "过账明细", "au_metadata": "附加信息", "au_around": "链上前后的分录", "au_prev_hash": "前一哈希",
        "au_hash_ok": "根据本分录内容和前一分录重新计算的哈希一致。", "au_hash_bad": "哈希核验未通过：{reason}",
        "au_not_chained": "此分录状态为{status}，不在哈希链中。", "au_reverses": "冲正的分录",
        "au_reversed_by": "被以下分录冲正", "au_void_reason": "作废理由", "au_recorded": "录入时间",
        "au_posted": "过账时间", "au_effective": "记账日期", "au_request": "请求", "au_this": "本分录",
        "au_download_intro": "各类报告，按账本当前链头（或您指定的序号）计算。", "au_report": "报告", "au_formats": "格式",
        "au_dl_audit": "审计报告（试算平衡、资金流向、对账、异常、哈希链）", "au_dl_journal": "日记账过账明细（供离线复算）",
        "au_dl_transparency": "公开透明度报告（小单元格已隐藏）", "au_dl_giving": "360Giving 开放数据",
        "au_dl_tables": "单张表格", "au_at": "截至账本序号", "au_no_entries": "没有符合条件的分录。",
    },
})
