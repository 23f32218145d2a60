# @summary Settings shared by egd::host and egd::client: packages, services, directories.
#
# Declare egd::host or egd::client; set these through Hiera
# (`egd::service_provider: base`) or a resource-like `class { 'egd': ... }` before
# them. The class also manages the stunnel and certificate directories, which a
# machine that is both host and client shares.
#
# @example A sandbox: no packages, services run by commands instead of systemd
#   class { 'egd':
#     manage_package      => false,
#     service_provider    => 'base',
#     stunnel_dir         => '/tmp/sandbox/etc/stunnel',
#     tls_dir             => '/tmp/sandbox/etc/stunnel/egd',
#     stunnel_user_prefix => '',
#     manage_run_dirs     => true,
#     service_commands    => {
#       'egdd' => { 'start' => '/bin/true', 'status' => '/bin/true', 'stop' => '/bin/true' },
#     },
#   }
#
# @param manage_package
#   Install the Debian packages (egdd, trng-httpd, egd-stunnel, egd-feed).
# @param package_ensure
#   `ensure` of those packages (installed, latest, a version, absent).
# @param manage_service
#   Manage the daemons' `service` resources.
# @param service_ensure
#   `ensure` of the services.
# @param service_enable
#   Start the services at boot.
# @param service_provider
#   Provider of the `service` resources; undef lets Puppet choose (systemd). A sandbox
#   without systemd as PID 1 sets 'base' and gives the commands in `service_commands`.
# @param service_commands
#   Per service title (egdd, trng-httpd, egd-feed, stunnel-egd@egd-server,
#   stunnel-egd@https-server, stunnel-egd@https-operator, stunnel-egd@egd-client):
#   start, stop, status, restart commands for the `base` provider, and `reload` (make
#   the stunnel instance re-read its CRL without dropping connections: SIGHUP), which
#   the stunnel instances need when a `crl` is given as content.
# @param stunnel_dir
#   Where the stunnel configurations go (NAME.conf for the unit stunnel-egd@NAME).
# @param tls_dir
#   Where certificates, keys, PSK files and CRLs given as content are written
#   (config_owner:config_group 0755: each stunnel instance reads its own files there).
# @param stunnel_user_prefix
#   Each stunnel instance NAME runs as its own user PREFIXNAME (the packaged unit
#   stunnel-egd@NAME has `User=stunnel-%i`; the egd-stunnel package creates the users),
#   and the keys and PSK files it reads belong to that user, mode 0400, so that no
#   instance can read another's key. '' (sandboxes, where stunnel runs as root):
#   those files belong to config_owner, mode 0400.
# @param stunnel_debug
#   stunnel's log level (emerg .. debug).
# @param config_owner
#   Owner of the configuration files.
# @param config_group
#   Group of the configuration files.
# @param manage_run_dirs
#   Create the run directories: egdd's (with the proxy/ directory of its socket for
#   stunnel), trng-httpd's (files/, public/, operator/) and the stunnel client's.
#   systemd (RuntimeDirectory=, ExecStartPre=) creates them for the packaged units,
#   with the groups that let only the right stunnel instance in, so only sandboxes
#   need this: here they are config_owner:config_group, the PROXY socket
#   directories 2750 as in the units.
class egd (
  Boolean                               $manage_package,
  String[1]                             $package_ensure,
  Boolean                               $manage_service,
  Enum['running', 'stopped']            $service_ensure,
  Boolean                               $service_enable,
  Optional[String[1]]                   $service_provider,
  Hash[String[1], Egd::ServiceCommands] $service_commands,
  Stdlib::Absolutepath                  $stunnel_dir,
  Stdlib::Absolutepath                  $tls_dir,
  Pattern[/\A([a-z_][a-z0-9_-]*)?\z/]   $stunnel_user_prefix,
  Enum['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] $stunnel_debug,
  String[1]                             $config_owner,
  String[1]                             $config_group,
  Boolean                               $manage_run_dirs,
) {
  # Shared by egd::host and egd::client, which may both be on one machine.
  file { [$stunnel_dir]:
    ensure => directory,
    owner  => $config_owner,
    group  => $config_group,
    mode   => '0755',
  }
  # Not group-restricted: the instances run as different users; each key file is
  # readable by its own instance's user only.
  file { $tls_dir:
    ensure => directory,
    owner  => $config_owner,
    group  => $config_group,
    mode   => '0755',
  }
}
