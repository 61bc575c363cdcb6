"""Page rendering shared by the reports (their HTML format) and the public pages: templates, labels."""
