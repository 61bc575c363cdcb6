"""The operator console: server-rendered pages for officials, approvers, trustees, auditors and
households, on the same domain services and the same Actor/role rules as the API."""
