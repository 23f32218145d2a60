require 'spec_helper'

describe 'egd::client' do
  let(:typical) do
    {
      hosts: ['entropy1.example.org:7776', 'entropy2.example.org:7776'],
      cert: '/etc/stunnel/egd/hv1.example.org.crt',
      key: '/etc/stunnel/egd/hv1.example.org.key',
      ca: '/etc/stunnel/egd/ca.crt',
    }
  end
  let(:dropin) { '/etc/systemd/system/egd-feed.service.d/credit.conf' }

  context 'with typical parameters' do
    let(:params) { typical }

    it { is_expected.to compile.with_all_deps }
    it { is_expected.to contain_class('egd::client::install').that_comes_before('Class[egd::client::config]') }
    it { is_expected.to contain_class('egd::client::config').that_notifies('Class[egd::client::service]') }
    it { is_expected.to contain_package('egd-stunnel') }
    it { is_expected.to contain_package('egd-feed') }
    it { is_expected.to contain_service('stunnel-egd@egd-client').that_comes_before('Service[egd-feed]') }
    it { is_expected.not_to contain_file('/run/stunnel-egd-client') }

    it 'renders the stunnel client: a unix socket, the hosts in failover order' do
      content = catalogue.resource('File', '/etc/stunnel/egd-client.conf')[:content]
      expect(content).to match(Regexp.new('\[egd-client\]\nclient = yes\n(;.*\n)*accept = /run/stunnel-egd-client/egd\.sock\n' \
                                          'connect = entropy1\.example\.org:7776\nconnect = entropy2\.example\.org:7776\n' \
                                          'failover = prio\nTIMEOUTconnect = 5\n'))
      expect(content).to include("verifyChain = yes\ncheckHost = entropy1.example.org\ncheckHost = entropy2.example.org\n")
      expect(content).to include("cert = /etc/stunnel/egd/hv1.example.org.crt\n")
      expect(content).to include("TIMEOUTbusy = 15\n")
      expect(content).not_to match(%r{^(local|CRLfile|setuid) =})
    end

    it 'renders egd-feed.toml: the unix socket, no credit' do
      content = catalogue.resource('File', '/etc/egd-feed/egd-feed.toml')[:content]
      expect(content).to include(%([server]\nconnect = "unix:/run/stunnel-egd-client/egd.sock"\n))
      expect(content).to include(%(device = "/dev/random"\ncredit_bits_per_byte = 0.000000\ninterval_ms = 60000\n))
    end

    it { is_expected.to contain_file(dropin).with_ensure('absent').that_notifies('Class[egd::client::service]') }
    it { is_expected.to contain_file('/etc/stunnel/egd/hv1.example.org.key').with(owner: 'stunnel-egd-client', group: 'stunnel-egd-client', mode: '0400', ensure: nil) }
    it { is_expected.not_to contain_file('/etc/stunnel/egd/hv1.example.org.crt') }
  end

  context 'with three hosts mixed two by two' do
    let(:params) { typical.merge(hosts: typical[:hosts] + ['10.9.0.3:7776'], mix: 2) }

    it { is_expected.to compile.with_all_deps }

    it 'renders the failover endpoint, then one endpoint per host, each with the TLS checks' do
      content = catalogue.resource('File', '/etc/stunnel/egd-client.conf')[:content]
      expect(content).to match(Regexp.new('\[egd-client\]\nclient = yes\n(;.*\n)*accept = /run/stunnel-egd-client/egd\.sock\n' \
                                          'connect = entropy1\.example\.org:7776\nconnect = entropy2\.example\.org:7776\n' \
                                          'connect = 10\.9\.0\.3:7776\nfailover = prio\n'))
      ['entropy1.example.org:7776', 'entropy2.example.org:7776', '10.9.0.3:7776'].each_with_index do |host, i|
        expect(content).to match(Regexp.new("\\[egd-client-host#{i + 1}\\]\nclient = yes\n(;.*\n)*" \
                                            "accept = /run/stunnel-egd-client/egd-host#{i + 1}\\.sock\n" \
                                            "connect = #{Regexp.escape(host)}\nfailover = prio\nTIMEOUTconnect = 5\n"))
      end
      expect(content.scan(%r{^verifyChain = yes$}).length).to eq(4)
      expect(content.scan(%r{^cert = /etc/stunnel/egd/hv1\.example\.org\.crt$}).length).to eq(4)
      # The failover endpoint accepts every host's name; a per-host endpoint its own alone.
      expect(content.scan(%r{^checkHost = 10\.9\.0\.3$}).length).to eq(2)
      expect(content.scan(%r{^checkHost = entropy1\.example\.org$}).length).to eq(2)
      expect(content).to match(%r{\[egd-client-host2\]\n(.*\n)*?verifyChain = yes\ncheckHost = entropy2\.example\.org\n\n})
    end

    it 'renders egd-feed.toml: the three per-host sockets and mix' do
      content = catalogue.resource('File', '/etc/egd-feed/egd-feed.toml')[:content]
      expect(content).to include(%([server]\nconnect = ["unix:/run/stunnel-egd-client/egd-host1.sock", ) +
                                 %("unix:/run/stunnel-egd-client/egd-host2.sock", "unix:/run/stunnel-egd-client/egd-host3.sock"]\nmix = 2\n))
    end
  end

  context 'with mix 2 and one name per host' do
    let(:params) { typical.merge(hosts: ['10.9.0.1:7776', '10.9.0.2:7776'], host_names: ['e1.example.org', 'e2.example.org'], mix: 2) }

    it 'checks the i-th name on the i-th endpoint' do
      content = catalogue.resource('File', '/etc/stunnel/egd-client.conf')[:content]
      expect(content).to include("verifyChain = yes\ncheckHost = e1.example.org\ncheckHost = e2.example.org\n\n")
      expect(content).to match(%r{\[egd-client-host1\]\n(.*\n)*?verifyChain = yes\ncheckHost = e1\.example\.org\n\n})
      expect(content).to match(%r{\[egd-client-host2\]\n(.*\n)*?verifyChain = yes\ncheckHost = e2\.example\.org\n\n})
    end
  end

  context 'with mix 1 (the default)' do
    let(:params) { typical.merge(mix: 1) }

    it 'renders one endpoint and no mix key' do
      expect(catalogue.resource('File', '/etc/stunnel/egd-client.conf')[:content]).not_to include('egd-host1')
      expect(catalogue.resource('File', '/etc/egd-feed/egd-feed.toml')[:content]).not_to include('mix')
    end
  end

  context 'with addresses, names, a source address, content, a CRL and credit' do
    let(:params) do
      typical.merge(hosts: ['10.9.0.1:7776', '[fd00::2]:7776'], host_names: ['e1.example.org'],
                    source_address: '10.9.0.20', cert: TEST_CERT, key: sensitive(TEST_KEY), ca: TEST_CERT,
                    crl: TEST_CRL, handshake_timeout: 30,
                    feed_credit_bits_per_byte: 4.0, feed_connect: 'unix:/run/egd.sock')
    end

    it { is_expected.to compile.with_all_deps }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-client.key').with(mode: '0400', owner: 'stunnel-egd-client', show_diff: false, content: sensitive(TEST_KEY)) }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-client.crt').with_content(TEST_CERT) }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-client-ca.crt').with_content(TEST_CERT) }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-client.crl').with(content: TEST_CRL, mode: '0644') }
    it do
      is_expected.to contain_exec('egd reload stunnel-egd@egd-client (CRL)')
        .with(command: 'systemctl try-reload-or-restart stunnel-egd@egd-client', refreshonly: true)
        .that_subscribes_to('File[/etc/stunnel/egd/egd-client.crl]')
        .that_comes_before('Service[stunnel-egd@egd-client]')
    end
    it do
      is_expected.to contain_file('/etc/stunnel/egd-client.conf')
        .with_content(%r{^connect = 10\.9\.0\.1:7776\nconnect = \[fd00::2\]:7776\n})
        .with_content(%r{^local = 10\.9\.0\.20$})
        .with_content(%r{^verifyChain = yes\nCRLfile = /etc/stunnel/egd/egd-client\.crl\ncheckHost = e1\.example\.org\n\n})
        .with_content(%r{^TIMEOUTbusy = 30$})
    end
    it { is_expected.to contain_file('/etc/egd-feed/egd-feed.toml').with_content(%r{^connect = "unix:/run/egd.sock"\n.*credit_bits_per_byte = 4\.0}m) }

    it 'grants egd-feed CAP_SYS_ADMIN, and restarts it, because it credits' do
      expect(catalogue).to contain_file(dropin).with(ensure: 'file', mode: '0644')
                                               .that_notifies('Class[egd::client::service]')
      content = catalogue.resource('File', dropin)[:content]
      expect(content).to include("[Service]\nCapabilityBoundingSet=CAP_SYS_ADMIN\nAmbientCapabilities=CAP_SYS_ADMIN\n")
      expect(catalogue).to contain_file('/etc/systemd/system/egd-feed.service.d').with_ensure('directory')
    end
  end

  context 'with a TCP accept for ekeyd-egd-linux besides the socket' do
    let(:params) { typical.merge(accept: ['/run/stunnel-egd-client/egd.sock', '127.0.0.1:7777']) }

    it do
      is_expected.to contain_file('/etc/stunnel/egd-client.conf')
        .with_content(%r{^accept = /run/stunnel-egd-client/egd\.sock\naccept = 127\.0\.0\.1:7777\nconnect = })
    end
    it { is_expected.to contain_file('/etc/egd-feed/egd-feed.toml').with_content(%r{^connect = "unix:/run/stunnel-egd-client/egd\.sock"$}) }
  end

  context 'with the old TCP accept' do
    let(:params) { typical.merge(accept: '127.0.0.1:7777') }

    it { is_expected.to contain_file('/etc/stunnel/egd-client.conf').with_content(%r{^accept = 127\.0\.0\.1:7777$}) }
    it { is_expected.to contain_file('/etc/egd-feed/egd-feed.toml').with_content(%r{^connect = "127\.0\.0\.1:7777"$}) }
  end

  context 'with a PSK and no egd-feed' do
    let(:params) { { hosts: ['e1.example.org:7776'], auth: 'psk', psk_secret: sensitive("hv1:00ff\n"), manage_feed: false, crl: TEST_CRL } }

    it { is_expected.to compile.with_all_deps }
    it { is_expected.not_to contain_service('egd-feed') }
    it { is_expected.not_to contain_file('/etc/egd-feed/egd-feed.toml') }
    it { is_expected.not_to contain_file(dropin) }
    it { is_expected.not_to contain_file('/etc/stunnel/egd/egd-client.crl') }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-client.psk').with(mode: '0400', owner: 'stunnel-egd-client', content: sensitive("hv1:00ff\n")) }
    it do
      is_expected.to contain_file('/etc/stunnel/egd-client.conf')
        .with_content(%r{^\[egd-client-psk\]$})
        .with_content(%r{^PSKsecrets = /etc/stunnel/egd/egd-client\.psk$})
        .with_content(%r{^TIMEOUTbusy = 15$})
        .without_content(%r{checkHost|CAfile|CRLfile})
    end
  end

  context 'in a sandbox' do
    let(:pre_condition) do
      <<~PP
        class { 'egd':
          manage_package      => false,
          service_provider    => 'base',
          stunnel_user_prefix => '',
          manage_run_dirs     => true,
          service_commands    => {
            'stunnel-egd@egd-client' => { 'start' => '/bin/true', 'reload' => '/sb/ctl reload stunnel-egd@egd-client' },
          },
        }
      PP
    end
    let(:params) do
      typical.merge(run_dir: '/tmp/sb/run/stunnel-egd-client', feed_dropin_dir: '/tmp/sb/etc/systemd/egd-feed.service.d',
                    feed_credit_bits_per_byte: 1.0, crl: TEST_CRL)
    end

    it { is_expected.to compile.with_all_deps }
    it { is_expected.to contain_file('/tmp/sb/run/stunnel-egd-client').with(ensure: 'directory', mode: '0750') }
    it { is_expected.to contain_file('/etc/stunnel/egd-client.conf').with_content(%r{^accept = /tmp/sb/run/stunnel-egd-client/egd\.sock$}) }
    it { is_expected.to contain_file('/etc/egd-feed/egd-feed.toml').with_content(%r{^connect = "unix:/tmp/sb/run/stunnel-egd-client/egd\.sock"$}) }
    it { is_expected.to contain_file('/tmp/sb/etc/systemd/egd-feed.service.d/credit.conf').with_ensure('file') }
    it { is_expected.to contain_file('/etc/stunnel/egd/hv1.example.org.key').with(owner: 'root', group: 'root', mode: '0400') }
    it { is_expected.to contain_exec('egd reload stunnel-egd@egd-client (CRL)').with_command('/sb/ctl reload stunnel-egd@egd-client') }
  end

  context 'with the host on the same machine' do
    let(:pre_condition) do
      "class { 'egd::host': cert => '/c.crt', key => '/c.key', ca => '/ca.crt', crl => '/crl.pem', allowed_clients => ['node.example.org'], " \
        "https_cert => '/h.crt', https_key => '/h.key', operators => ['alice'], operator_cert => '/o.crt', operator_key => '/o.key' }"
    end
    let(:params) { typical.merge(hosts: ['127.0.0.1:7776'], host_names: ['node.example.org'], crl: TEST_CRL) }

    it { is_expected.to compile.with_all_deps }
    it { is_expected.to contain_package('egd-stunnel') }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-client.crl') }
  end

  context 'with missing or bad parameters' do
    {
      'no hosts' => [{ hosts: [] }, %r{parameter 'hosts'}],
      'host without port' => [{ hosts: ['entropy1.example.org'] }, %r{parameter 'hosts'}],
      'no ca' => [{ ca: :undef }, %r{needs cert, key and ca}],
      'psk without secret' => [{ auth: 'psk' }, %r{needs psk_secret}],
      'credit above 8' => [{ feed_credit_bits_per_byte: 9.0 }, %r{parameter 'feed_credit_bits_per_byte'}],
      'key as plain text' => [{ key: TEST_KEY }, %r{parameter 'key'}],
      'relative feed dir' => [{ feed_config_dir: 'etc/egd-feed' }, %r{parameter 'feed_config_dir'}],
      'relative accept socket' => [{ accept: 'run/egd.sock' }, %r{parameter 'accept'}],
      'empty accept list' => [{ accept: [] }, %r{parameter 'accept'}],
      'feed_connect as a path' => [{ feed_connect: '/run/egd.sock' }, %r{parameter 'feed_connect'}],
      'CRL as a certificate' => [{ crl: TEST_CERT }, %r{parameter 'crl'}],
      'mix above the hosts' => [{ mix: 3 }, %r{mix 3 needs at least 3 hosts, 2 given}],
      'mix 0' => [{ mix: 0 }, %r{parameter 'mix'}],
      'mix with feed_connect' => [{ mix: 2, feed_connect: 'unix:/run/egd.sock' }, %r{exclude each other}],
      'a host twice' => [{ hosts: ['e1.example.org:7776', 'e1.example.org:7776'] }, %r{listed twice}],
    }.each do |what, (bad, error)|
      context what do
        let(:params) { typical.merge(bad) }

        it { is_expected.to compile.and_raise_error(error) }
      end
    end
  end
end
