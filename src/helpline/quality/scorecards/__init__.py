"""QA scorecards (issue 5 §5): checklist templates, auto-fill from findings, overrides,
agreement between the machine and the QA specialist, and the monthly sampling plan.

Pure: no database, no framework. The service :mod:`helpline.services.qa_scorecards`
stores what these modules compute.
"""
