from tests.support.rc_sandbox import rc_capture, rc_client, rc_directory, rc_options, rc_sandbox

__all__ = ["rc_capture", "rc_client", "rc_directory", "rc_options", "rc_sandbox"]
