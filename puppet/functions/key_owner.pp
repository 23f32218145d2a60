# SPDX-License-Identifier: Apache-2.0

# @summary Who owns the keys and PSK files a stunnel instance reads.
#
# The instance's own user (egd::stunnel_user_prefix + NAME, e.g. stunnel-egd-server,
# as the packaged unit stunnel-egd@NAME runs it), or egd::config_owner when the prefix
# is '' (sandboxes running stunnel as root).
# @param instance
#   The stunnel instance: egd-server, https-server, https-operator, egd-client.
# @return [String] A user name.
function egd::key_owner(String[1] $instance) >> String {
  $egd::stunnel_user_prefix ? {
    ''      => $egd::config_owner,
    default => "${egd::stunnel_user_prefix}${instance}",
  }
}
