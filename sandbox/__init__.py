"""The stand-ins sms-handlers is developed and demonstrated against (`sms_handlers_sandbox`) and
their tests (`sandbox/tests/`). This folder is a package only so that pytest can name those tests.
"""
