# @summary Runs an entropy host's daemons. Private: declare egd::host.
# @api private
class egd::host::service {
  assert_private()

  if $egd::manage_service {
    $httpd = $egd::host::manage_httpd ? {
      true    => ['trng-httpd'],
      default => [],
    }
    $https = ($egd::host::manage_httpd and $egd::host::manage_https) ? {
      true    => ['stunnel-egd@https-server'],
      default => [],
    }
    egd::service { ['egdd', 'stunnel-egd@egd-server'] + $httpd + $https: }
    if $egd::host::manage_httpd {
      Egd::Service['egdd'] -> Egd::Service['trng-httpd']
    }
    Egd::Service['egdd'] -> Egd::Service['stunnel-egd@egd-server']
  }
}
