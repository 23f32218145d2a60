# SPDX-License-Identifier: Apache-2.0

require 'spec_helper'

describe 'egd::key_owner' do
  context 'with the default prefix' do
    let(:pre_condition) { 'include egd' }

    it { is_expected.to run.with_params('egd-server').and_return('stunnel-egd-server') }
    it { is_expected.to run.with_params('https-operator').and_return('stunnel-https-operator') }
  end

  context 'in a sandbox (no per-instance users)' do
    let(:pre_condition) { "class { 'egd': stunnel_user_prefix => '', config_owner => 'tester' }" }

    it { is_expected.to run.with_params('egd-client').and_return('tester') }
  end
end
