# @summary One daemon's `service` resource, with class egd's provider and commands. Private.
#
# The `reload` command is egd::crl_file's, not a `service` attribute.
# @api private
define egd::service () {
  assert_private()

  service { $title:
    ensure   => $egd::service_ensure,
    enable   => $egd::service_enable,
    provider => $egd::service_provider,
    *        => ($egd::service_commands.dig($title).lest || { {} }).filter |$k, $_| { $k != 'reload' },
  }
}
