require 'spec_helper'

describe 'egd::host' do
  let(:typical) do
    {
      cert: '/etc/stunnel/egd/entropy1.example.org.crt',
      key: '/etc/stunnel/egd/entropy1.example.org.key',
      ca: '/etc/stunnel/egd/ca.crt',
      allowed_clients: ['hv1.example.org', 'hv2.example.org'],
      https_cert: '/etc/stunnel/egd/https.crt',
      https_key: '/etc/stunnel/egd/https.key',
      operators: ['alice', 'bob'],
      operator_cert: '/etc/stunnel/egd/operator-service.crt',
      operator_key: '/etc/stunnel/egd/operator-service.key',
    }
  end

  def content(path)
    catalogue.resource('File', path)[:content]
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
    ['egdd', 'trng-httpd', 'stunnel-egd@egd-server', 'stunnel-egd@https-server', 'stunnel-egd@https-operator'].each do |s|
      it { is_expected.to contain_service(s).with(ensure: 'running', enable: true, provider: nil) }
    end
    it { is_expected.to contain_service('egdd').that_comes_before('Service[stunnel-egd@egd-server]') }
    it { is_expected.to contain_service('trng-httpd').that_comes_before(['Service[stunnel-egd@https-server]', 'Service[stunnel-egd@https-operator]']) }

    it 'renders egdd.toml with unix sockets: local clients and the PROXY socket for stunnel' do
      c = content('/etc/egdd/egdd.toml')
      expect(c).to include(%([source]\nkind = "hwrng"\npath = "/dev/hwrng"\nentropy_per_bit = 1.000000\nentropy_certified = false\n))
      expect(c).to include(%([egd]\nlisten = ["unix:/run/egdd/egd.sock", "proxy:unix:/run/egdd/proxy/egd.sock"]\n) +
                           %(max_clients = 1024\nclient_rate_limit = 0\nmax_clients_per_address = 0\nipv6_prefix = 64\n) +
                           %(internal_listen = ["unix:/run/egdd/internal.sock"]\n))
      expect(c).to include(%([control]\nsocket = "/run/egdd/control.sock"))
      expect(c).not_to include('[serial]')
    end

    it 'renders trng-httpd.toml: operator role on loopback and its socket, public role on its socket' do
      c = content('/etc/trng-httpd/trng-httpd.toml')
      expect(c).to include(%([http]\nlisten = ["127.0.0.1:8000", "proxy:unix:/run/trng-httpd/operator/http.sock"]\n) +
                           %(public_listen = ["proxy:unix:/run/trng-httpd/public/http.sock"]\n) +
                           %(allowed_hosts = ["node.example.org", "192.0.2.5"]\n) +
                           %(max_clients_per_address = 0\nipv6_prefix = 64\n))
      expect(c).to include(%([egdd]\negd = "unix:/run/egdd/internal.sock"\ncontrol = "/run/egdd/control.sock"))
      expect(c).to include(%([files]\ndir = "/run/trng-httpd/files"))
      expect(c).to include(%([limits]\nclient_rate_limit = 0\n))
    end

    it 'renders the EGD stunnel server: PROXY to the unix socket, allow-list, handshake limit, no CRL' do
      c = content('/etc/stunnel/egd-server.conf')
      expect(c).to include("[egd-tls]\naccept = 7776\n")
      expect(c).to match(%r{^connect = /run/egdd/proxy/egd\.sock\n(;.*\n)*protocol = proxy\n})
      expect(c).to include("cert = /etc/stunnel/egd/entropy1.example.org.crt\nkey = /etc/stunnel/egd/entropy1.example.org.key\nCAfile = /etc/stunnel/egd/ca.crt\n")
      expect(c).to include("verifyChain = yes\ncheckHost = hv1.example.org\ncheckHost = hv2.example.org\n")
      expect(c).to include("TIMEOUTbusy = 15\n")
      expect(c).to include("TIMEOUTidle = -1\n")
      expect(c).to include('sslVersionMin = TLSv1.2')
      expect(c).not_to match(%r{^(setuid|setgid|CRLfile|PSKsecrets)})
    end

    it 'renders public HTTPS with its own certificate, PROXY to the public socket' do
      c = content('/etc/stunnel/https-server.conf')
      expect(c).to match(%r{\[https\]\naccept = 8443\nconnect = /run/trng-httpd/public/http\.sock\n(;.*\n)*protocol = proxy\n})
      expect(c).to include("cert = /etc/stunnel/egd/https.crt\nkey = /etc/stunnel/egd/https.key\n")
      expect(c).to include("TIMEOUTbusy = 15\n")
      expect(c).to include("TIMEOUTidle = 300\n")
      expect(c).not_to match(%r{^(CAfile|verifyChain|checkHost)})
    end

    it 'renders the operator service: mutual TLS, operator allow-list, PROXY to the operator socket' do
      c = content('/etc/stunnel/https-operator.conf')
      expect(c).to include("[https-operator]\naccept = 8444\nconnect = /run/trng-httpd/operator/http.sock\nprotocol = proxy\n")
      expect(c).to include("cert = /etc/stunnel/egd/operator-service.crt\nkey = /etc/stunnel/egd/operator-service.key\n" \
                           "CAfile = /etc/stunnel/egd/ca.crt\n")
      expect(c).to match(%r{^verifyChain = yes\ncheckHost = alice\ncheckHost = bob\n})
      expect(c).to include("TIMEOUTbusy = 15\n")
    end

    it 'gives each key given as a path to its own instance user, 0400, without creating it' do
      {
        '/etc/stunnel/egd/entropy1.example.org.key' => 'stunnel-egd-server',
        '/etc/stunnel/egd/https.key' => 'stunnel-https-server',
        '/etc/stunnel/egd/operator-service.key' => 'stunnel-https-operator',
      }.each do |path, user|
        expect(catalogue).to contain_file(path).with(owner: user, group: user, mode: '0400', ensure: nil, content: nil)
      end
    end

    it 'leaves certificates given as paths alone and writes no key of its own' do
      expect(catalogue.resource('File', '/etc/stunnel/egd/entropy1.example.org.crt')).to be_nil
      expect(catalogue.resource('File', '/etc/stunnel/egd/ca.crt')).to be_nil
      expect(catalogue.resource('File', '/etc/stunnel/egd/egd-host.key')).to be_nil
    end

    it { is_expected.not_to contain_exec('egd reload stunnel-egd@egd-server (CRL)') }
  end

  context 'with key material and a CRL as content' do
    let(:params) do
      typical.merge(cert: TEST_CERT, key: sensitive(TEST_KEY), ca: TEST_CERT, crl: TEST_CRL,
                    https_cert: TEST_CERT, https_key: sensitive(TEST_KEY),
                    operator_cert: TEST_CERT, operator_key: sensitive(TEST_KEY))
    end

    it { is_expected.to compile.with_all_deps }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-host.crt').with(content: TEST_CERT, mode: '0644', owner: 'root') }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-host-ca.crt').with(content: TEST_CERT) }
    {
      'egd-host.key' => 'stunnel-egd-server',
      'https.key' => 'stunnel-https-server',
      'https-operator.key' => 'stunnel-https-operator',
    }.each do |file, user|
      it do
        is_expected.to contain_file("/etc/stunnel/egd/#{file}").with(
          content: sensitive(TEST_KEY), owner: user, group: user, mode: '0400', show_diff: false,
        )
      end
    end
    it { is_expected.to contain_file('/etc/stunnel/egd-server.conf').with_content(%r{^key = /etc/stunnel/egd/egd-host\.key$}) }
    it { is_expected.to contain_file('/etc/stunnel/https-server.conf').with_content(%r{^key = /etc/stunnel/egd/https\.key$}) }
    it { is_expected.to contain_file('/etc/stunnel/https-operator.conf').with_content(%r{^key = /etc/stunnel/egd/https-operator\.key$}) }

    it 'writes the CRL and makes both client-verifying instances check it' do
      expect(catalogue).to contain_file('/etc/stunnel/egd/egd-host.crl').with(content: TEST_CRL, mode: '0644')
      expect(content('/etc/stunnel/egd-server.conf')).to match(%r{^verifyChain = yes\nCRLfile = /etc/stunnel/egd/egd-host\.crl\ncheckHost = hv1})
      expect(content('/etc/stunnel/https-operator.conf')).to match(%r{^verifyChain = yes\nCRLfile = /etc/stunnel/egd/egd-host\.crl\ncheckHost = alice})
      expect(content('/etc/stunnel/https-server.conf')).not_to include('CRLfile')
    end

    it 'reloads, never restarts, stunnel when the CRL changes' do
      %w[egd-server https-operator].each do |i|
        expect(catalogue).to contain_exec("egd reload stunnel-egd@#{i} (CRL)").with(
          command: "systemctl try-reload-or-restart stunnel-egd@#{i}", refreshonly: true,
        ).that_subscribes_to('File[/etc/stunnel/egd/egd-host.crl]').that_comes_before("Service[stunnel-egd@#{i}]")
      end
      expect(catalogue).to contain_file('/etc/stunnel/egd/egd-host.crl').that_notifies('Exec[egd reload stunnel-egd@egd-server (CRL)]')
      # Not in the config class, whose changes restart every service.
      expect(catalogue.resource('File', '/etc/stunnel/egd/egd-host.crl').tags).not_to include('egd::host::config')
      expect(catalogue.resource('File', '/etc/stunnel/egd-server.conf').tags).to include('egd::host::config')
      expect(catalogue.resource('Exec', 'egd reload stunnel-egd@https-server (CRL)')).to be_nil
    end
  end

  context 'with a CRL given as a path' do
    let(:params) { typical.merge(crl: '/etc/stunnel/egd/crl.pem') }

    it { is_expected.to contain_file('/etc/stunnel/egd-server.conf').with_content(%r{^CRLfile = /etc/stunnel/egd/crl\.pem$}) }
    it { is_expected.to contain_file('/etc/stunnel/https-operator.conf').with_content(%r{^CRLfile = /etc/stunnel/egd/crl\.pem$}) }
    it { is_expected.not_to contain_file('/etc/stunnel/egd/crl.pem') }
    it { is_expected.not_to contain_exec('egd reload stunnel-egd@egd-server (CRL)') }
  end

  context 'with TCP hops, more names, limits and a separate operator CA' do
    let(:params) do
      typical.merge(egd_listen: ['unix:/run/egdd/egd.sock', '127.0.0.1:8888'], egd_connect: '127.0.0.1:8887',
                    httpd_egd: '127.0.0.1:8888', httpd_listen: [], https_connect: '127.0.0.1:8001',
                    operator_connect: '127.0.0.1:8002', httpd_allowed_hosts: ['entropy.example.org', 'node.example.org'],
                    client_rate_limit: 1000, max_clients_per_address: 4, ipv6_prefix: 56,
                    httpd_client_rate_limit: 4096, httpd_max_clients_per_address: 8, handshake_timeout: 5,
                    operator_ca: TEST_CERT,
                    egdd_options: { 'egd' => { 'proxy_trusted_peers' => ['127.0.0.1'] } })
    end

    it 'renders the PROXY listeners from the connects' do
      c = content('/etc/egdd/egdd.toml')
      expect(c).to include(%(listen = ["unix:/run/egdd/egd.sock", "127.0.0.1:8888", "proxy:127.0.0.1:8887"]\n) +
                           %(max_clients = 1024\nclient_rate_limit = 1000\nmax_clients_per_address = 4\nipv6_prefix = 56\nproxy_trusted_peers = ["127.0.0.1"]\n))
      h = content('/etc/trng-httpd/trng-httpd.toml')
      expect(h).to include(%(listen = ["proxy:127.0.0.1:8002"]\npublic_listen = ["proxy:127.0.0.1:8001"]\n) +
                           %(allowed_hosts = ["node.example.org", "192.0.2.5", "entropy.example.org"]\n) +
                           %(max_clients_per_address = 8\nipv6_prefix = 56\n))
      expect(h).to include(%(egd = "127.0.0.1:8888"))
      expect(c).not_to include('internal_listen')  # trng-httpd uses the listener it was given
      expect(h).to include(%(client_rate_limit = 4096))
      expect(content('/etc/stunnel/egd-server.conf')).to include("connect = 127.0.0.1:8887\n")
      expect(content('/etc/stunnel/egd-server.conf')).to include("TIMEOUTbusy = 5\n")
      expect(content('/etc/stunnel/https-operator.conf')).to include("CAfile = /etc/stunnel/egd/https-operator-ca.crt\n")
    end
    it { is_expected.to contain_file('/etc/stunnel/egd/https-operator-ca.crt').with_content(TEST_CERT) }
  end

  context 'with TCP EGD listeners only: trng-httpd still reads through the internal socket' do
    let(:params) { typical.merge(egd_listen: ['127.0.0.1:8888']) }

    it { is_expected.to contain_file('/etc/trng-httpd/trng-httpd.toml').with_content(%r{^egd = "unix:/run/egdd/internal\.sock"$}) }
    it { is_expected.to contain_file('/etc/egdd/egdd.toml').with_content(%r{^internal_listen = \["unix:/run/egdd/internal\.sock"\]$}) }
  end

  context 'without trng-httpd: no internal listener' do
    let(:params) { typical.merge(manage_httpd: false) }

    it { is_expected.not_to contain_file('/etc/egdd/egdd.toml').with_content(%r{internal_listen}) }
  end

  context 'with several sources' do
    let(:params) do
      typical.merge(max_clients: 20_000,
                    sources: [{ 'name' => 'tunnel', 'kind' => 'serial', 'port' => '/dev/ttyUSB0', 'baud_rate' => 9600 },
                              { 'name' => 'hwrng', 'kind' => 'hwrng', 'path' => '/dev/hwrng', 'entropy_per_bit' => 0.5 }])
    end

    it 'renders one [[source]] table each, and no [source] or [serial]' do
      c = content('/etc/egdd/egdd.toml')
      expect(c).to include(%([[source]]\nname = "tunnel"\nkind = "serial"\nport = "/dev/ttyUSB0"\nbaud_rate = 9600\n) +
                           %(entropy_per_bit = 1.000000\nentropy_certified = false\n))
      expect(c).to include(%([[source]]\nname = "hwrng"\nkind = "hwrng"\npath = "/dev/hwrng"\nentropy_per_bit = 0.500000\n))
      expect(c).not_to include("[source]\n")
      expect(c).not_to include('[serial]')
      expect(c).to include(%(max_clients = 20000\n))
    end
  end

  context 'with a source name that egdd would refuse' do
    let(:params) { typical.merge(sources: [{ 'name' => 'a b', 'kind' => 'os' }]) }

    it { is_expected.to compile.and_raise_error(%r{sources}) }
  end

  context 'with a serial TRNG, PSK clients, no trng-httpd' do
    let(:params) do
      {
        source_kind: 'serial', serial_port: '/dev/ttyACM0', baud_rate: 115_200, auth: 'psk',
        psk_secrets: sensitive("vm7:0123\n"), manage_httpd: false, crl: TEST_CRL,
        egdd_options: { 'health' => { 'on_alarm' => 'stop' }, 'pool' => { 'size_bytes' => 4096 } }
      }
    end

    it { is_expected.to compile.with_all_deps }
    it { is_expected.not_to contain_file('/etc/trng-httpd/trng-httpd.toml') }
    it { is_expected.not_to contain_service('trng-httpd') }
    it { is_expected.not_to contain_service('stunnel-egd@https-server') }
    it { is_expected.not_to contain_service('stunnel-egd@https-operator') }
    it { is_expected.not_to contain_file('/etc/stunnel/egd/egd-host.crl') }
    it do
      is_expected.to contain_file('/etc/stunnel/egd/egd-server.psk')
        .with(mode: '0400', owner: 'stunnel-egd-server', group: 'stunnel-egd-server', content: sensitive("vm7:0123\n"))
    end

    it 'renders the serial source and the merged options' do
      c = content('/etc/egdd/egdd.toml')
      expect(c).to include(%([source]\nkind = "serial"\nentropy_per_bit = 1.000000\nentropy_certified = false\n\n[serial]\nport = "/dev/ttyACM0"\nbaud_rate = 115200\n))
      expect(c).to include(%([pool]\nsize_bytes = 4096\n))
      expect(c).to include(%([health]\non_alarm = "stop"\n))
    end

    it 'renders the PSK server' do
      c = content('/etc/stunnel/egd-server.conf')
      expect(c).to include("[egd-psk]\naccept = 7776\nconnect = /run/egdd/proxy/egd.sock\nprotocol = proxy\n")
      expect(c).to include("PSKsecrets = /etc/stunnel/egd/egd-server.psk\n")
      expect(c).to include('ciphers = ECDHE-PSK-CHACHA20-POLY1305')
      expect(c).to include("TIMEOUTbusy = 15\n")
      expect(c).not_to match(%r{checkHost|CRLfile})
    end
  end

  context 'without the operator service' do
    let(:params) { typical.merge(manage_operator: false, operators: [], operator_cert: :undef, operator_key: :undef) }

    it { is_expected.to compile.with_all_deps }
    it { is_expected.not_to contain_service('stunnel-egd@https-operator') }
    it { is_expected.not_to contain_file('/etc/stunnel/https-operator.conf') }
    it { is_expected.to contain_file('/etc/trng-httpd/trng-httpd.toml').with_content(%r{^listen = \["127\.0\.0\.1:8000"\]$}) }
  end

  context 'in a sandbox' do
    let(:pre_condition) do
      <<~PP
        class { 'egd':
          manage_package      => false,
          service_provider    => 'base',
          stunnel_user_prefix => '',
          config_owner        => 'tester',
          config_group        => 'testers',
          manage_run_dirs     => true,
          service_commands    => {
            'egdd' => { 'start' => '/bin/true', 'status' => '/bin/false' },
            'stunnel-egd@egd-server' => { 'start' => '/bin/true', 'reload' => '/sb/ctl reload stunnel-egd@egd-server' },
            'stunnel-egd@https-operator' => { 'start' => '/bin/true', 'reload' => '/sb/ctl reload stunnel-egd@https-operator' },
          },
        }
      PP
    end
    let(:params) do
      typical.merge(run_dir: '/tmp/sb/run/egdd', config_dir: '/tmp/sb/etc/egdd', httpd_run_dir: '/tmp/sb/run/trng-httpd',
                    key: sensitive(TEST_KEY), crl: TEST_CRL)
    end

    it { is_expected.to compile.with_all_deps }
    it { is_expected.to have_package_resource_count(0) }
    it { is_expected.to contain_service('egdd').with(provider: 'base', start: '/bin/true', status: '/bin/false') }
    it { is_expected.to contain_exec('egd reload stunnel-egd@egd-server (CRL)').with_command('/sb/ctl reload stunnel-egd@egd-server') }
    {
      '/tmp/sb/run/egdd' => '0755', '/tmp/sb/run/egdd/proxy' => '2750', '/tmp/sb/run/trng-httpd' => '0755',
      '/tmp/sb/run/trng-httpd/files' => '0700', '/tmp/sb/run/trng-httpd/public' => '2750',
      '/tmp/sb/run/trng-httpd/operator' => '2750'
    }.each do |dir, mode|
      it { is_expected.to contain_file(dir).with(ensure: 'directory', mode: mode, owner: 'tester', group: 'testers') }
    end
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-host.key').with(owner: 'tester', group: 'testers', mode: '0400') }
    it { is_expected.to contain_file('/etc/stunnel/egd/https.key').with(owner: 'tester', group: 'testers', mode: '0400') }

    it 'puts every socket under the run directories' do
      expect(content('/tmp/sb/etc/egdd/egdd.toml')).to include(
        %(listen = ["unix:/tmp/sb/run/egdd/egd.sock", "proxy:unix:/tmp/sb/run/egdd/proxy/egd.sock"]),
      ).and include(%(socket = "/tmp/sb/run/egdd/control.sock"))
      expect(content('/etc/trng-httpd/trng-httpd.toml')).to include(
        %(listen = ["127.0.0.1:8000", "proxy:unix:/tmp/sb/run/trng-httpd/operator/http.sock"]),
      ).and include(%(public_listen = ["proxy:unix:/tmp/sb/run/trng-httpd/public/http.sock"]))
      expect(content('/etc/stunnel/egd-server.conf')).to include("connect = /tmp/sb/run/egdd/proxy/egd.sock\n")
    end
  end

  context 'in a sandbox without reload commands' do
    let(:pre_condition) { "class { 'egd': service_provider => 'base' }" }
    let(:params) { typical.merge(crl: TEST_CRL) }

    it { is_expected.to compile.and_raise_error(%r{service_commands\['stunnel-egd@egd-server'\] needs a 'reload' command}) }
  end

  context 'without services' do
    let(:pre_condition) { "class { 'egd': manage_service => false }" }
    let(:params) { typical.merge(crl: TEST_CRL) }

    it { is_expected.to have_service_resource_count(0) }
    it { is_expected.to have_exec_resource_count(0) }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-host.crl') }
  end

  context 'with missing or bad parameters' do
    {
      'no allow-list' => [{ allowed_clients: [] }, %r{allowed_clients}],
      'no key' => [{ key: :undef }, %r{needs cert, key and ca}],
      'psk without secrets' => [{ auth: 'psk' }, %r{needs psk_secrets}],
      'no HTTPS key' => [{ https_key: :undef }, %r{HTTPS needs https_cert and https_key of its own}],
      'no operators' => [{ operators: [] }, %r{operator service needs operators}],
      'no operator key' => [{ operator_key: :undef }, %r{operator service needs operators, operator_cert and operator_key}],
      'HTTPS with the EGD key' => [{ https_key: '/etc/stunnel/egd/entropy1.example.org.key' }, %r{must be different files}],
      'relative key path' => [{ key: 'keys/host.key' }, %r{parameter 'key'}],
      'key as plain text' => [{ key: TEST_KEY }, %r{parameter 'key'}],
      'certificate as CRL' => [{ crl: TEST_CERT }, %r{parameter 'crl'}],
      'bad source kind' => [{ source_kind: 'usb' }, %r{parameter 'source_kind'}],
      'entropy above 1' => [{ entropy_per_bit: 1.5 }, %r{parameter 'entropy_per_bit'}],
      'entropy 0' => [{ entropy_per_bit: 0.0 }, %r{parameter 'entropy_per_bit'}],
      'port as integer' => [{ egd_accept: 7776 }, %r{parameter 'egd_accept'}],
      'bare port as connect' => [{ egd_connect: '8887' }, %r{not a bare port}],
      'bad listener' => [{ egd_listen: ['tcp://127.0.0.1:8888'] }, %r{parameter 'egd_listen'}],
      'relative socket' => [{ egd_connect: 'run/egd.sock' }, %r{parameter 'egd_connect'}],
      'ipv6 prefix 0' => [{ ipv6_prefix: 0 }, %r{parameter 'ipv6_prefix'}],
      'negative limit' => [{ max_clients_per_address: -1 }, %r{parameter 'max_clients_per_address'}],
      'handshake 0' => [{ handshake_timeout: 0 }, %r{parameter 'handshake_timeout'}],
      'bad option value' => [{ egdd_options: { 'log' => { 'level' => { 'x' => 1 } } } }, %r{parameter 'egdd_options'}],
    }.each do |what, (bad, error)|
      context what do
        let(:params) { typical.merge(bad) }

        it { is_expected.to compile.and_raise_error(error) }
      end
    end
  end
end
