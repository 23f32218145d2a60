# @summary A client machine: stunnel to the entropy hosts (with failover) and egd-feed.
#
# stunnel offers plain EGD on 127.0.0.1:7777 to local clients and carries it over
# TLS to a list of entropy hosts, tried in order; egd-feed keeps the kernel's
# entropy pool fed from it.
#
# install -> config ~> service: a configuration change restarts stunnel and egd-feed.
# Other local EGD clients (QEMU rng-egd, ekeyd-egd-linux) use `accept` as well.
#
# @example Two entropy hosts, the first preferred
#   class { 'egd::client':
#     hosts => ['entropy1.example.org:7776', 'entropy2.example.org:7776'],
#     cert  => '/etc/stunnel/egd/hv1.example.org.crt',
#     key   => '/etc/stunnel/egd/hv1.example.org.key',
#     ca    => '/etc/stunnel/egd/ca.crt',
#   }
#
# @example Hosts by address, certificates naming them otherwise
#   class { 'egd::client':
#     hosts      => ['192.0.2.10:7776', '192.0.2.11:7776'],
#     host_names => ['entropy1.example.org', 'entropy2.example.org'],
#     cert       => '/etc/stunnel/egd/hv1.example.org.crt',
#     key        => Sensitive(file('/srv/secrets/hv1.example.org.key')),
#     ca         => '/etc/stunnel/egd/ca.crt',
#   }
#
# @param packages
#   Debian packages of a client (with egd::manage_package).
# @param auth
#   cert (mutual TLS: `cert`, `key`, `ca`) or psk (`psk_secret`).
# @param accept
#   The local plain EGD port. Keep it on loopback: it has no authentication.
# @param hosts
#   Entropy hosts as "HOST:PORT", most preferred first (stunnel failover = prio: each
#   new connection takes the first host that answers).
# @param host_names
#   Names the hosts' certificates must carry (any of them; checkHost). Empty: the
#   host parts of `hosts`.
# @param source_address
#   Source address for connections to the hosts; undef = the kernel's choice.
# @param cert
#   This client's certificate: a path, or PEM text written to `tls_dir`/egd-client.crt.
# @param key
#   Its private key: a path, or Sensitive PEM text written to `tls_dir`/egd-client.key.
# @param ca
#   The private CA that signed the hosts' certificates: a path, or PEM text.
# @param psk_secret
#   With auth psk: this client's IDENTITY:HEXKEY line (a path, or Sensitive content
#   written to `tls_dir`/egd-client.psk).
# @param manage_feed
#   Configure and run egd-feed.
# @param feed_config_dir
#   Directory of egd-feed.toml.
# @param feed_connect
#   The EGD server egd-feed reads from; undef = `accept`.
# @param feed_device
#   Where egd-feed adds the entropy (RNDADDENTROPY).
# @param feed_credit_bits_per_byte
#   Entropy credited to the kernel per byte, [0, 8]; 0 mixes without credit.
# @param feed_interval_ms
#   Time between reseeds.
# @param feed_user
#   User egd-feed switches to when started as root; empty = stay (systemd sets User=).
# @param log_level
#   egd-feed's log level.
# @param feed_options
#   Further egd-feed.toml settings, section => key => value.
class egd::client (
  Array[String[1]]                                     $packages,
  Enum['cert', 'psk']                                  $auth,
  Egd::Endpoint                                        $accept,
  Array[Egd::Endpoint, 1]                              $hosts,
  Array[String[1]]                                     $host_names,
  Optional[String[1]]                                  $source_address,
  Optional[Egd::Certificate]                           $cert,
  Optional[Egd::Secret]                                $key,
  Optional[Egd::Certificate]                           $ca,
  Optional[Egd::Secret]                                $psk_secret,
  Boolean                                              $manage_feed,
  Stdlib::Absolutepath                                 $feed_config_dir,
  Optional[String[1]]                                  $feed_connect,
  Stdlib::Absolutepath                                 $feed_device,
  Float[0.0, 8.0]                                      $feed_credit_bits_per_byte,
  Integer[100, 86400000]                               $feed_interval_ms,
  String                                               $feed_user,
  Enum['error', 'warning', 'notice', 'info', 'debug']  $log_level,
  Egd::TomlSections                                    $feed_options,
) {
  if $auth == 'cert' and ($cert =~ Undef or $key =~ Undef or $ca =~ Undef) {
    fail('egd::client: auth cert needs cert, key and ca')
  }
  if $auth == 'psk' and $psk_secret =~ Undef {
    fail('egd::client: auth psk needs psk_secret')
  }

  include egd
  contain egd::client::install
  contain egd::client::config
  contain egd::client::service

  Class['egd::client::install'] -> Class['egd::client::config'] ~> Class['egd::client::service']
}
