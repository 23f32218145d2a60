# @summary Installs a client's packages. Private: declare egd::client.
# @api private
class egd::client::install {
  assert_private()

  if $egd::manage_package {
    ensure_packages($egd::client::packages, { 'ensure' => $egd::package_ensure })
  }
}
