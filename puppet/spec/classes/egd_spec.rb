require 'spec_helper'

describe 'egd' do
  context 'with the module defaults' do
    it { is_expected.to compile.with_all_deps }
    it { is_expected.to contain_file('/etc/stunnel').with(ensure: 'directory', owner: 'root', mode: '0755') }
    # Each instance's own user reads its files here; the keys themselves are 0400.
    it { is_expected.to contain_file('/etc/stunnel/egd').with(ensure: 'directory', owner: 'root', group: 'root', mode: '0755') }
  end

  context 'with sandbox paths' do
    let(:params) { { stunnel_dir: '/tmp/x/stunnel', tls_dir: '/tmp/x/tls', service_provider: 'base' } }

    it { is_expected.to contain_file('/tmp/x/stunnel') }
    it { is_expected.to contain_file('/tmp/x/tls') }
  end

  context 'with bad parameter types' do
    [
      { stunnel_dir: 'relative/path' },
      { manage_service: 'yes' },
      { service_ensure: 'started' },
      { stunnel_debug: 'verbose' },
      { stunnel_user_prefix: 'Stunnel ' },
      { service_commands: { 'egdd' => { 'launch' => '/bin/true' } } },
      { service_commands: { 'egdd' => { 'reload' => '' } } },
    ].each do |bad|
      context bad.keys.first.to_s do
        let(:params) { bad }

        it { is_expected.to compile.and_raise_error(%r{parameter '#{bad.keys.first}'}) }
      end
    end
  end
end
