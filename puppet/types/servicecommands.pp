# @summary Start, stop, status and restart commands for a `service` resource.
#
# For the `base` provider where systemd is not PID 1 (sandboxes, containers).
type Egd::ServiceCommands = Hash[Enum['start', 'stop', 'status', 'restart'], String[1]]
