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

  context 'with typical parameters' do
    let(:params) { typical }

    it { is_expected.to compile.with_all_deps }
    it { is_expected.to contain_class('egd::client::install').that_comes_before('Class[egd::client::config]') }
    it { is_expected.to contain_class('egd::client::config').that_notifies('Class[egd::client::service]') }
    it { is_expected.to contain_package('egd-stunnel') }
    it { is_expected.to contain_package('egd-feed') }
    it { is_expected.to contain_service('stunnel-egd@egd-client').that_comes_before('Service[egd-feed]') }

    it 'renders the stunnel client with the hosts in failover order' do
      content = catalogue.resource('File', '/etc/stunnel/egd-client.conf')[:content]
      expect(content).to include("[egd-client]\nclient = yes\naccept = 127.0.0.1:7777\n" \
                                 "connect = entropy1.example.org:7776\nconnect = entropy2.example.org:7776\n" \
                                 "failover = prio\nTIMEOUTconnect = 5\n")
      expect(content).to include("checkHost = entropy1.example.org\ncheckHost = entropy2.example.org\n")
      expect(content).to include("cert = /etc/stunnel/egd/hv1.example.org.crt\n")
      expect(content).to include("verifyChain = yes\n")
      expect(content).not_to include('local =')
    end

    it 'renders egd-feed.toml' do
      content = catalogue.resource('File', '/etc/egd-feed/egd-feed.toml')[:content]
      expect(content).to include(%([server]\nconnect = "127.0.0.1:7777"\n))
      expect(content).to include(%(device = "/dev/random"\ncredit_bits_per_byte = 0.000000\ninterval_ms = 60000\n))
    end
  end

  context 'with addresses, names, a source address and content' do
    let(:params) do
      typical.merge(hosts: ['10.9.0.1:7776', '[fd00::2]:7776'], host_names: ['e1.example.org'],
                    source_address: '10.9.0.20', cert: TEST_CERT, key: sensitive(TEST_KEY), ca: TEST_CERT,
                    feed_credit_bits_per_byte: 4.0, feed_connect: 'unix:/run/egd.sock')
    end

    it { is_expected.to contain_file('/etc/stunnel/egd/egd-client.key').with(mode: '0640', show_diff: false, content: sensitive(TEST_KEY)) }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-client.crt').with_content(TEST_CERT) }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-client-ca.crt').with_content(TEST_CERT) }
    it do
      is_expected.to contain_file('/etc/stunnel/egd-client.conf')
        .with_content(%r{^connect = 10\.9\.0\.1:7776\nconnect = \[fd00::2\]:7776\n})
        .with_content(%r{^local = 10\.9\.0\.20$})
        .with_content(%r{^checkHost = e1\.example\.org\n\n})
    end
    it { is_expected.to contain_file('/etc/egd-feed/egd-feed.toml').with_content(%r{^connect = "unix:/run/egd.sock"\n.*credit_bits_per_byte = 4\.0}m) }
  end

  context 'with a PSK and no egd-feed' do
    let(:params) { { hosts: ['e1.example.org:7776'], auth: 'psk', psk_secret: sensitive("hv1:00ff\n"), manage_feed: false } }

    it { is_expected.to compile.with_all_deps }
    it { is_expected.not_to contain_service('egd-feed') }
    it { is_expected.not_to contain_file('/etc/egd-feed/egd-feed.toml') }
    it { is_expected.to contain_file('/etc/stunnel/egd/egd-client.psk').with(mode: '0640', content: sensitive("hv1:00ff\n")) }
    it do
      is_expected.to contain_file('/etc/stunnel/egd-client.conf')
        .with_content(%r{^\[egd-client-psk\]$})
        .with_content(%r{^PSKsecrets = /etc/stunnel/egd/egd-client\.psk$})
        .without_content(%r{checkHost|CAfile})
    end
  end

  context 'with the host on the same machine' do
    let(:pre_condition) do
      "class { 'egd::host': cert => '/c.crt', key => '/c.key', ca => '/ca.crt', allowed_clients => ['node.example.org'] }"
    end
    let(:params) { typical.merge(hosts: ['127.0.0.1:7776'], host_names: ['node.example.org']) }

    it { is_expected.to compile.with_all_deps }
    it { is_expected.to contain_package('egd-stunnel') }
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
    }.each do |what, (bad, error)|
      context what do
        let(:params) { typical.merge(bad) }

        it { is_expected.to compile.and_raise_error(error) }
      end
    end
  end
end
