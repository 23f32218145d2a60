# rspec-puppet set-up without puppetlabs_spec_helper or fixtures downloads: the
# module is linked as "egd" into a temporary module path next to Debian's
# puppet-module-puppetlabs-stdlib (/usr/share/puppet/modules).
require 'fileutils'
require 'tmpdir'
require 'rspec-puppet'

MODULE_ROOT = File.expand_path('..', __dir__)
STDLIB_PATH = ENV.fetch('EGD_STDLIB_MODULEPATH', '/usr/share/puppet/modules')
FIXTURE_MODULES = Dir.mktmpdir('egd-rspec-')
File.symlink(MODULE_ROOT, File.join(FIXTURE_MODULES, 'egd'))
at_exit { FileUtils.rm_rf(FIXTURE_MODULES) }

RSpec.configure do |c|
  c.module_path = "#{FIXTURE_MODULES}:#{STDLIB_PATH}"
  c.manifest = File.join(FIXTURE_MODULES, 'site.pp')
  File.write(c.manifest, '')
  c.default_facts = {
    networking: { 'fqdn' => 'node.example.org', 'hostname' => 'node', 'ip' => '192.0.2.5' },
    os: { 'family' => 'Debian', 'name' => 'Debian', 'release' => { 'major' => '12' } },
  }
  c.strict_variables = true
end

# PEM-looking test material: the module only copies it.
TEST_CERT = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n".freeze
TEST_KEY = "-----BEGIN PRIVATE KEY-----\nMIGHtest\n-----END PRIVATE KEY-----\n".freeze
TEST_CRL = "-----BEGIN X509 CRL-----\nMIIBcrl\n-----END X509 CRL-----\n".freeze
