require 'spec_helper'

describe 'egd::host' do
  let(:typical) do
    {
      cert: '/etc/stunnel/egd/entropy1.example.org.crt',
      key: '/etc/stunnel/egd/entropy1.example.org.key',
      ca: '/etc/stunnel/egd/ca.crt',
      allowed_clients: ['hv1.example.org', 'hv2.example.org'],
    }
  end

  context 'with typical parameters' do
    let(:params) { typical }

    it { is_expected.to compile.with_all_deps }
    it { is_expected.to contain_class('egd') }
    it { is_expected.to contain_class('egd::host::install').that_comes_before('Class[egd::host::config]') }
    it { is_expected.to contain_class('egd::host::config').that_notifies('Class[egd::host::service]') }
    it { is_expected.to contain_class('egd::host::service') }

    %w[egdd trng-httpd egd-stunnel].each do |p|
      it { is_expected.to contain_package(p).with_ensure('installed') }
    end
    ['egdd', 'trng-httpd', 'stunnel-egd@egd-server', 'stunnel-egd@https-server'].each do |s|
      it { is_expected.to contain_service(s).with(ensure: 'running', enable: true, provider: nil) }
    end

    it 'renders egdd.toml' do
      content = catalogue.resource('File', '/etc/egdd/egdd.toml')[:content]
      expect(content).to include(%([source]\nkind = "hwrng"\npath = "/dev/hwrng"\nentropy_per_bit = 1.000000\n))
      expect(content).to include(%(listen = ["127.0.0.1:8888", "proxy:127.0.0.1:8887"]))
      expect(content).to include(%([control]\nsocket = "/run/egdd/control.sock"))
      expect(content).not_to include('[serial]')
    end

    it 'renders trng-httpd.toml' do
      content = catalogue.resource('File', '/etc/trng-httpd/trng-httpd.toml')[:content]
      expect(content).to include(%([http]\nlisten = "127.0.0.1:8000"))
      expect(content).to include(%(egd = "127.0.0.1:8888"\ncontrol = "/run/egdd/control.sock"))
      expect(content).to include(%([files]\ndir = "/run/trng-httpd"))
    end

    it 'renders the EGD stunnel server with the allow-list' do
      content = catalogue.resource('File', '/etc/stunnel/egd-server.conf')[:content]
      expect(content).to include("[egd-tls]\naccept = 7776\nconnect = 127.0.0.1:8887\n")
      expect(content).to include('protocol = proxy')
      expect(content).to include("cert = /etc/stunnel/egd/entropy1.example.org.crt\nkey = /etc/stunnel/egd/entropy1.example.org.key\nCAfile = /etc/stunnel/egd/ca.crt\n")
      expect(content).to include("verifyChain = yes\n")
      expect(content).to include("checkHost = hv1.example.org\ncheckHost = hv2.example.org\n")
      expect(content).to include("setuid = stunnel4\nsetgid = stunnel4\n")
      expect(content).to include("TIMEOUTidle = -1\n")
      expect(content).to include('sslVersionMin = TLSv1.2')
      expect(content).not_to include('PSKsecrets')
    end

    it 'renders HTTPS with the host certificate' do
      content = catalogue.resource('File', '/etc/stunnel/https-server.conf')[:content]
      expect(content).to include("[https]\naccept = 8443\nconnect = 127.0.0.1:8000\ncert = /etc/stunnel/egd/entropy1.example.org.crt\n")
      expect(content).to include("TIMEOUTidle = 300\n")
    end

    it 'leaves key material given as paths alone' do
      expect(catalogue.resource('File', '/etc/stunnel/egd/entropy1.example.org.key')).to be_nil
      expect(catalogue.resource('File', '/etc/stunnel/egd/egd-host.key')).to be_nil
    end
  end

  context 'with key material as content' do
    let(:params) { typical.merge(cert: TEST_CERT, key: sensitive(TEST_KEY), ca: TEST_CERT) }

    it { is_expected.to contain_file('/etc/stunnel/egd/egd-host.crt').with(content: TEST_CERT, mode: '0644') }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-host-ca.crt').with(content: TEST_CERT) }
    it do
      is_expected.to contain_file('/etc/stunnel/egd/egd-host.key').with(
        content: sensitive(TEST_KEY), mode: '0640', group: 'stunnel4', show_diff: false,
      )
    end
    it { is_expected.to contain_file('/etc/stunnel/egd-server.conf').with_content(%r{^key = /etc/stunnel/egd/egd-host\.key$}) }
  end

  context 'with a serial TRNG, PSK clients, no trng-httpd' do
    let(:params) do
      {
        source_kind: 'serial', serial_port: '/dev/ttyACM0', baud_rate: 115_200, auth: 'psk',
        psk_secrets: sensitive("vm7:0123\n"), manage_httpd: false,
        egdd_options: { 'health' => { 'on_alarm' => 'stop' }, 'pool' => { 'size_bytes' => 4096 } }
      }
    end

    it { is_expected.to compile.with_all_deps }
    it { is_expected.not_to contain_file('/etc/trng-httpd/trng-httpd.toml') }
    it { is_expected.not_to contain_service('trng-httpd') }
    it { is_expected.not_to contain_service('stunnel-egd@https-server') }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-server.psk').with(mode: '0640', content: sensitive("vm7:0123\n")) }

    it 'renders the serial source and the merged options' do
      content = catalogue.resource('File', '/etc/egdd/egdd.toml')[:content]
      expect(content).to include(%([source]\nkind = "serial"\nentropy_per_bit = 1.000000\n\n[serial]\nport = "/dev/ttyACM0"\nbaud_rate = 115200\n))
      expect(content).to include(%([pool]\nsize_bytes = 4096\n))
      expect(content).to include(%([health]\non_alarm = "stop"\n))
    end

    it 'renders the PSK server' do
      content = catalogue.resource('File', '/etc/stunnel/egd-server.conf')[:content]
      expect(content).to include("[egd-psk]\n")
      expect(content).to include("PSKsecrets = /etc/stunnel/egd/egd-server.psk\n")
      expect(content).to include('ciphers = ECDHE-PSK-CHACHA20-POLY1305')
      expect(content).not_to include('checkHost')
    end
  end

  context 'in a sandbox' do
    let(:pre_condition) do
      <<~PP
        class { 'egd':
          manage_package   => false,
          service_provider => 'base',
          stunnel_user     => '',
          manage_run_dirs  => true,
          service_commands => { 'egdd' => { 'start' => '/bin/true', 'status' => '/bin/false' } },
        }
      PP
    end
    let(:params) { typical.merge(run_dir: '/tmp/sb/run/egdd', config_dir: '/tmp/sb/etc/egdd') }

    it { is_expected.to compile.with_all_deps }
    it { is_expected.to have_package_resource_count(0) }
    it { is_expected.to contain_service('egdd').with(provider: 'base', start: '/bin/true', status: '/bin/false') }
    it { is_expected.to contain_file('/tmp/sb/run/egdd').with_ensure('directory') }
    it { is_expected.to contain_file('/tmp/sb/etc/egdd/egdd.toml').with_content(%r{^socket = "/tmp/sb/run/egdd/control.sock"$}) }
    it { is_expected.to contain_file('/etc/stunnel/egd-server.conf').without_content(%r{setuid}) }
  end

  context 'without services' do
    let(:pre_condition) { "class { 'egd': manage_service => false }" }
    let(:params) { typical }

    it { is_expected.to have_service_resource_count(0) }
  end

  context 'with missing or bad parameters' do
    {
      'no allow-list' => [{ allowed_clients: [] }, %r{allowed_clients}],
      'no key' => [{ key: :undef }, %r{needs cert, key and ca}],
      'psk without secrets' => [{ auth: 'psk' }, %r{needs psk_secrets}],
      'relative key path' => [{ key: 'keys/host.key' }, %r{parameter 'key'}],
      'key as plain text' => [{ key: TEST_KEY }, %r{parameter 'key'}],
      'bad source kind' => [{ source_kind: 'usb' }, %r{parameter 'source_kind'}],
      'entropy above 1' => [{ entropy_per_bit: 1.5 }, %r{parameter 'entropy_per_bit'}],
      'entropy 0' => [{ entropy_per_bit: 0.0 }, %r{parameter 'entropy_per_bit'}],
      'port as integer' => [{ egd_accept: 7776 }, %r{parameter 'egd_accept'}],
      'bad option value' => [{ egdd_options: { 'log' => { 'level' => { 'x' => 1 } } } }, %r{parameter 'egdd_options'}],
    }.each do |what, (bad, error)|
      context what do
        let(:params) { typical.merge(bad) }

        it { is_expected.to compile.and_raise_error(error) }
      end
    end
  end
end
