# @summary Writes a client's configuration. Private: declare egd::client.
#
# The stunnel configuration, egd-feed.toml and its credit drop-in, the key material
# given as content (or the owner and mode of keys given as paths) and, in sandboxes,
# stunnel's run directory.
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
  $crl = egd::tls_path($egd::client::crl, "${tls}/egd-client.crl")
  $psk = egd::tls_path($egd::client::psk_secret, "${tls}/egd-client.psk")
  $sources = {
    'cert' => [$egd::client::cert, $cert, undef],
    'key'  => [$egd::client::key, $key, 'egd-client'],
    'ca'   => [$egd::client::ca, $ca, undef],
    'psk'  => [$egd::client::psk_secret, $psk, 'egd-client'],
  }
  $sources.each |$what, $s| {
    if $s[0] =~ NotUndef {
      egd::tls_file { "${c} ${what}":
        source   => $s[0],
        path     => $s[1],
        instance => $s[2],
      }
    }
  }

  # Without explicit names, a host's certificate must name the host as written.
  $host_names = $egd::client::host_names.empty ? {
    true    => $egd::client::hosts.map |$h| { regsubst($h, '^\[?(.*?)\]?:[0-9]+$', '\1') }.unique,
    default => $egd::client::host_names,
  }

  if $egd::manage_run_dirs {
    file { $egd::client::run_dir:
      ensure => directory,
      mode   => '0750',
    }
  }

  # The failover endpoint, then (mix > 1) one endpoint per host, which accepts
  # that host's name alone: the name in its address, or the i-th of host_names
  # when there is one per host (else any of them, as the failover endpoint).
  $section = $egd::client::auth ? { 'psk' => 'egd-client-psk', default => 'egd-client' }
  $own_names = $egd::client::host_names.empty ? {
    true    => $egd::client::hosts.map |$h| { [regsubst($h, '^\[?(.*?)\]?:[0-9]+$', '\1')] },
    default => $egd::client::host_names.length == $egd::client::hosts.length ? {
      true    => $egd::client::host_names.map |$n| { [$n] },
      default => $egd::client::hosts.map |$h| { $host_names },
    },
  }
  $failover = {
    'name'   => $section,
    'accept' => $egd::client::real_accept,
    'hosts'  => $egd::client::hosts,
    'names'  => $host_names,
  }
  $per_host = $egd::client::host_sockets.map |$i, $socket| {
    {
      'name'   => "${section}-host${$i + 1}",
      'accept' => [$socket],
      'hosts'  => [$egd::client::hosts[$i]],
      'names'  => $own_names[$i],
    }
  }
  $sections = [$failover] + $per_host

  file { "${egd::stunnel_dir}/egd-client.conf":
    ensure  => file,
    mode    => '0644',
    content => epp('egd/egd-client.conf.epp', {
        'debug'             => $egd::stunnel_debug,
        'handshake_timeout' => $egd::client::handshake_timeout,
        'auth'              => $egd::client::auth,
        'sections'          => $sections,
        'source_address'    => $egd::client::source_address,
        'cert'              => $cert,
        'key'               => $key,
        'cafile'            => $ca,
        'crlfile'           => $crl,
        'psk_secrets'       => $psk,
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
          'connect'              => $egd::client::real_feed_connect,
          'mix'                  => $egd::client::mix,
          'device'               => $egd::client::feed_device,
          'credit_bits_per_byte' => $egd::client::feed_credit_bits_per_byte,
          'interval_ms'          => $egd::client::feed_interval_ms,
          'user'                 => $egd::client::feed_user,
          'log_level'            => $egd::client::log_level,
          'options'              => $egd::client::feed_options,
      }),
    }

    # CAP_SYS_ADMIN only while egd-feed credits (packaging/systemd/egd-feed.service.d/
    # credit.conf). A change restarts egd-feed (a reload cannot grant or drop a
    # capability); Puppet's systemd provider runs daemon-reload first.
    $credit = $egd::client::feed_credit_bits_per_byte > 0.0
    $dropin = "${egd::client::feed_dropin_dir}/credit.conf"
    if $credit {
      file { $egd::client::feed_dropin_dir:
        ensure => directory,
        mode   => '0755',
      }
    }
    file { $dropin:
      ensure  => bool2str($credit, 'file', 'absent'),
      mode    => '0644',
      content => @(DROPIN),
        # Managed by Puppet (module egd, class egd::client): egd-feed credits entropy
        # (feed_credit_bits_per_byte > 0), which needs CAP_SYS_ADMIN for
        # ioctl(RNDADDENTROPY). Removed when it credits nothing.
        [Service]
        CapabilityBoundingSet=CAP_SYS_ADMIN
        AmbientCapabilities=CAP_SYS_ADMIN
        | DROPIN
    }
  }
}
