# @summary A client machine: stunnel to the entropy hosts and egd-feed, one host at a time or several mixed.
#
# stunnel (the instance egd-client, under its own user stunnel-egd-client) offers
# plain EGD on a unix socket, /run/stunnel-egd-client/egd.sock, to local clients and
# carries it over TLS to a list of entropy hosts, tried in order; egd-feed keeps the
# kernel's entropy pool fed from it. Other local EGD clients use the socket as well:
# QEMU (`-chardev socket,path=`; libvirt-qemu joins group stunnel-egd-client),
# ekeyd-egd-linux through a TCP `accept` (see there).
#
# egd-feed mixes what it reads into the pool with write(2), without any capability.
# Only with `feed_credit_bits_per_byte` > 0 does it credit entropy, which needs
# CAP_SYS_ADMIN: the module then installs the systemd drop-in that grants it, and
# removes it otherwise.
#
# With `mix` > 1, egd-feed combines the bytes of `mix` different hosts at every
# feed (BLAKE2b, feed/README.md), so no single host decides what the kernel gets:
# stunnel then offers one more local endpoint per host (`run_dir`/egd-host1.sock,
# egd-host2.sock, ... in the order of `hosts`, each connecting to that host alone),
# and egd-feed.toml lists them all with `mix`. egd-feed retries a failing host
# with its own backoff; while fewer than `mix` answer it feeds from those, credits
# nothing, and logs it. The failover endpoint (`accept`) stays for other clients.
#
# install -> config ~> service: a configuration change restarts stunnel and egd-feed;
# a CRL change only reloads stunnel (egd::crl_file).
#
# @example Two entropy hosts, the first preferred
#   class { 'egd::client':
#     hosts => ['entropy1.example.org:7776', 'entropy2.example.org:7776'],
#     cert  => '/etc/stunnel/egd/hv1.example.org.crt',
#     key   => '/etc/stunnel/egd/hv1.example.org.key',
#     ca    => '/etc/stunnel/egd/ca.crt',
#     crl   => file('/srv/egd-pki/crl.pem'),
#   }
#
# @example Three entropy hosts, every feed mixing two of them
#   class { 'egd::client':
#     hosts => ['entropy1.example.org:7776', 'entropy2.example.org:7776',
#               'entropy3.example.org:7776'],
#     mix   => 2,
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
# @param run_dir
#   The stunnel instance's run directory (RuntimeDirectory of stunnel-egd@egd-client,
#   0750, group stunnel-egd-client; made by the module with egd::manage_run_dirs).
# @param accept
#   Where stunnel offers plain EGD: socket paths or TCP endpoints, one or several
#   (undef: [`run_dir`/egd.sock]). It has no authentication: a socket in `run_dir` is
#   reachable only by the members of the instance's group. A TCP endpoint (for
#   ekeyd-egd-linux, which speaks TCP only: "127.0.0.1:7777") is open to every local
#   user, and any of them who binds the port while stunnel restarts serves chosen
#   bytes to its clients.
# @param hosts
#   Entropy hosts as "HOST:PORT", most preferred first (stunnel failover = prio: each
#   new connection to `accept` takes the first host that answers); with `mix` > 1
#   also one endpoint each, egd-host1.sock ... in this order.
# @param mix
#   Hosts egd-feed combines per feed, [1, 16], at most the number of `hosts`. 1 (the
#   default): egd-feed reads the failover endpoint, one host at a time. Above 1: one
#   stunnel endpoint per host, egd-feed mixes `mix` of them (rotating among the
#   healthy ones) and credits only feeds that had all `mix`.
# @param host_names
#   Names the hosts' certificates must carry (any of them; checkHost). Empty: the
#   host parts of `hosts`. With `mix` > 1 a per-host endpoint accepts its own host's
#   name alone: the host part of its address, or the i-th name when there is one name
#   per host (else any of them).
# @param source_address
#   Source address for connections to the hosts; undef = the kernel's choice.
# @param cert
#   This client's certificate: a path, or PEM text written to `tls_dir`/egd-client.crt.
# @param key
#   Its private key: a path, or Sensitive PEM text written to `tls_dir`/egd-client.key;
#   owned by the egd-client instance's user, 0400.
# @param ca
#   The private CA that signed the hosts' certificates: a path, or PEM text.
# @param crl
#   The CA's revocation list (`egd-pki crl`: DIR/crl.pem), checked for the hosts'
#   certificates: a path, or PEM text written to `tls_dir`/egd-client.crl, whose
#   change reloads stunnel without dropping the connections.
# @param handshake_timeout
#   Seconds a TLS handshake with a host may stall (stunnel's TIMEOUTbusy).
# @param psk_secret
#   With auth psk: this client's IDENTITY:HEXKEY line (a path, or Sensitive content
#   written to `tls_dir`/egd-client.psk); owned like `key`.
# @param manage_feed
#   Configure and run egd-feed.
# @param feed_config_dir
#   Directory of egd-feed.toml.
# @param feed_connect
#   The EGD server egd-feed reads from ("unix:/PATH" or "HOST:PORT"); undef = the first
#   of `accept`. Not with `mix` > 1 (egd-feed then reads the per-host endpoints).
# @param feed_device
#   Where egd-feed adds the entropy (write(2), or RNDADDENTROPY when crediting).
# @param feed_credit_bits_per_byte
#   Entropy credited to the kernel per byte, [0, 8]; 0 mixes without credit and
#   without any capability. Above 0 egd-feed needs CAP_SYS_ADMIN: the module writes
#   `feed_dropin_dir`/credit.conf, which grants it (and restarts egd-feed).
# @param feed_dropin_dir
#   The drop-in directory of egd-feed.service.
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
  Stdlib::Absolutepath                                 $run_dir,
  Optional[Variant[Egd::StunnelAddress, Array[Egd::StunnelAddress, 1]]] $accept,
  Array[Egd::Endpoint, 1]                              $hosts,
  Integer[1, 16]                                       $mix,
  Array[String[1]]                                     $host_names,
  Optional[String[1]]                                  $source_address,
  Optional[Egd::Certificate]                           $cert,
  Optional[Egd::Secret]                                $key,
  Optional[Egd::Certificate]                           $ca,
  Optional[Egd::Crl]                                   $crl,
  Integer[1, 3600]                                     $handshake_timeout,
  Optional[Egd::Secret]                                $psk_secret,
  Boolean                                              $manage_feed,
  Stdlib::Absolutepath                                 $feed_config_dir,
  Optional[Pattern[/\Aunix:\/\S+\z/, /\A(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}\z/]] $feed_connect,
  Stdlib::Absolutepath                                 $feed_device,
  Float[0.0, 8.0]                                      $feed_credit_bits_per_byte,
  Stdlib::Absolutepath                                 $feed_dropin_dir,
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

  if $mix > $hosts.length {
    fail("egd::client: mix ${mix} needs at least ${mix} hosts, ${hosts.length} given")
  }
  if $mix > 1 and $feed_connect =~ NotUndef {
    fail('egd::client: feed_connect and mix > 1 exclude each other (egd-feed reads one endpoint per host)')
  }
  if $hosts.unique.length != $hosts.length {
    fail('egd::client: a host is listed twice in hosts')
  }

  # With mix > 1: one local endpoint per host, in the order of `hosts`.
  $host_sockets = $mix > 1 ? {
    true    => $hosts.map |$i, $h| { "${run_dir}/egd-host${$i + 1}.sock" },
    default => [],
  }

  $real_accept = $accept ? {
    Undef   => ["${run_dir}/egd.sock"],
    default => [$accept].flatten,
  }
  $real_feed_connect = $feed_connect ? {
    Undef   => $mix > 1 ? {
      true    => $host_sockets.map |$p| { "unix:${p}" },
      default => $real_accept[0] ? {
        Stdlib::Absolutepath => "unix:${real_accept[0]}",
        /\A[0-9]+\z/         => "127.0.0.1:${real_accept[0]}",
        default              => $real_accept[0],
      },
    },
    default => $feed_connect,
  }

  include egd
  contain egd::client::install
  contain egd::client::config
  contain egd::client::service

  Class['egd::client::install'] -> Class['egd::client::config'] ~> Class['egd::client::service']

  # Outside the config class: a CRL change reloads stunnel, never restarts it.
  if $crl =~ NotUndef and $auth == 'cert' {
    egd::crl_file { 'egd::client crl':
      source    => $crl,
      path      => "${egd::tls_dir}/egd-client.crl",
      instances => ['egd-client'],
      require   => Class['egd::client::install'],
    }
  }
}
