# @summary Runs an entropy host's daemons. Private: declare egd::host.
# @api private
class egd::host::service {
  assert_private()

  if $egd::manage_service {
    $httpd = $egd::host::manage_httpd ? {
      true    => ['trng-httpd'],
      default => [],
    }
    $fronts = [
      if $egd::host::https { 'stunnel-egd@https-server' },
      if $egd::host::operator { 'stunnel-egd@https-operator' },
    ].filter |$s| { $s =~ NotUndef }
    egd::service { ['egdd', 'stunnel-egd@egd-server'] + $httpd + $fronts: }
    Egd::Service['egdd'] -> Egd::Service['stunnel-egd@egd-server']
    if $egd::host::manage_httpd {
      Egd::Service['egdd'] -> Egd::Service['trng-httpd']
      $fronts.each |$s| {
        Egd::Service['trng-httpd'] -> Egd::Service[$s]
      }
    }
  }
}
