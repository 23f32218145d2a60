# @summary Runs a client's stunnel and egd-feed. Private: declare egd::client.
# @api private
class egd::client::service {
  assert_private()

  if $egd::manage_service {
    egd::service { 'stunnel-egd@egd-client': }
    if $egd::client::manage_feed {
      egd::service { 'egd-feed': }
      Egd::Service['stunnel-egd@egd-client'] -> Egd::Service['egd-feed']
    }
  }
}
