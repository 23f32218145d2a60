# @summary Writes key material given as content; gives a key given as a path to its instance. Private.
#
# Certificates and CRLs: content is written config_owner 0644; a path is the
# operator's file, left alone. Keys and PSK files (with `instance`) belong to the
# user and group of the one stunnel instance that reads them (egd::key_owner), mode
# 0400, not shown in diffs. A key given as a path gets that owner and mode too, since
# the instance (no root phase) could not read it otherwise; its content is never
# touched, and a missing file is not created.
# @api private
#
# @param source
#   A path or the content.
# @param path
#   Where content is written.
# @param instance
#   For keys and PSK files: the stunnel instance (egd-server, https-server,
#   https-operator, egd-client) that reads the file. undef: a certificate or CRL.
define egd::tls_file (
  Variant[Egd::Certificate, Egd::Secret, Egd::Crl] $source,
  Stdlib::Absolutepath                             $path,
  Optional[String[1]]                              $instance = undef,
) {
  assert_private()

  if $instance =~ Undef {
    unless $source =~ Stdlib::Absolutepath {
      file { $path:
        ensure  => file,
        owner   => $egd::config_owner,
        group   => $egd::config_group,
        mode    => '0644',
        content => $source,
      }
    }
  } else {
    # The unit runs stunnel-NAME with the group of the same name.
    $owner = egd::key_owner($instance)
    $secret = {
      owner => $owner,
      group => $egd::stunnel_user_prefix ? { '' => $egd::config_group, default => $owner },
      mode  => '0400',
    }
    if $source =~ Stdlib::Absolutepath {
      # No ensure: the attributes of an existing file only.
      file { $source:
        * => $secret,
      }
    } else {
      file { $path:
        ensure    => file,
        content   => $source,
        show_diff => false,
        *         => $secret,
      }
    }
  }
}
