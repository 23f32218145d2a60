# @summary Writes a client's configuration. Private: declare egd::client.
#
# The stunnel configuration, egd-feed.toml and the key material given as content.
# @api private
class egd::client::config {
  assert_private()

  $c = 'egd::client'
  $tls = $egd::tls_dir

  File {
    owner => $egd::config_owner,
    group => $egd::config_group,
  }

  $cert = egd::tls_path($egd::client::cert, "${tls}/egd-client.crt")
  $key = egd::tls_path($egd::client::key, "${tls}/egd-client.key")
  $ca = egd::tls_path($egd::client::ca, "${tls}/egd-client-ca.crt")
  $psk = egd::tls_path($egd::client::psk_secret, "${tls}/egd-client.psk")
  $sources = {
    'cert' => [$egd::client::cert, $cert, false],
    'key'  => [$egd::client::key, $key, true],
    'ca'   => [$egd::client::ca, $ca, false],
    'psk'  => [$egd::client::psk_secret, $psk, true],
  }
  $sources.each |$what, $s| {
    if $s[0] =~ NotUndef {
      egd::tls_file { "${c} ${what}":
        source => $s[0],
        path   => $s[1],
        secret => $s[2],
      }
    }
  }

  # Without explicit names, a host's certificate must name the host as written.
  $host_names = $egd::client::host_names.empty ? {
    true    => $egd::client::hosts.map |$h| { regsubst($h, '^\[?(.*?)\]?:[0-9]+$', '\1') }.unique,
    default => $egd::client::host_names,
  }

  file { "${egd::stunnel_dir}/egd-client.conf":
    ensure  => file,
    mode    => '0644',
    content => epp('egd/egd-client.conf.epp', {
        'user'           => $egd::stunnel_user,
        'debug'          => $egd::stunnel_debug,
        'auth'           => $egd::client::auth,
        'accept'         => $egd::client::accept,
        'hosts'          => $egd::client::hosts,
        'host_names'     => $host_names,
        'source_address' => $egd::client::source_address,
        'cert'           => $cert,
        'key'            => $key,
        'cafile'         => $ca,
        'psk_secrets'    => $psk,
    }),
  }

  if $egd::client::manage_feed {
    file { $egd::client::feed_config_dir:
      ensure => directory,
      mode   => '0755',
    }
    file { "${egd::client::feed_config_dir}/egd-feed.toml":
      ensure  => file,
      mode    => '0644',
      content => epp('egd/egd-feed.toml.epp', {
          'connect'              => pick($egd::client::feed_connect, $egd::client::accept),
          'device'               => $egd::client::feed_device,
          'credit_bits_per_byte' => $egd::client::feed_credit_bits_per_byte,
          'interval_ms'          => $egd::client::feed_interval_ms,
          'user'                 => $egd::client::feed_user,
          'log_level'            => $egd::client::log_level,
          'options'              => $egd::client::feed_options,
      }),
    }
  }
}
