# @summary Start, stop, status, restart and reload commands for a `service` resource.
#
# For the `base` provider where systemd is not PID 1 (sandboxes, containers).
# `reload` is not a `service` attribute: the module runs it (an `exec`) to make
# stunnel re-read its CRL without dropping connections (SIGHUP).
type Egd::ServiceCommands = Hash[Enum['start', 'stop', 'status', 'restart', 'reload'], String[1]]
