# @summary Writes a certificate, key or PSK given as content. Private.
#
# Does nothing for a path: that file is the operator's.
# @api private
#
# @param source
#   A path (left alone) or the content.
# @param path
#   Where content is written.
# @param secret
#   Keys and PSKs: root:tls_group 0640, not shown in diffs. Certificates: 0644.
define egd::tls_file (
  Variant[Egd::Certificate, Egd::Secret] $source,
  Stdlib::Absolutepath                   $path,
  Boolean                                $secret = false,
) {
  assert_private()

  $mode = $secret ? {
    true    => '0640',
    default => '0644',
  }
  unless $source =~ Stdlib::Absolutepath {
    file { $path:
      ensure    => file,
      owner     => $egd::config_owner,
      group     => $egd::tls_group,
      mode      => $mode,
      content   => $source,
      show_diff => !$secret,
    }
  }
}
