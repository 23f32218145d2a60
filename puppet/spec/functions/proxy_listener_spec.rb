# SPDX-License-Identifier: Apache-2.0

require 'spec_helper'

describe 'egd::proxy_listener' do
  it { is_expected.to run.with_params('/run/egdd/proxy/egd.sock').and_return('proxy:unix:/run/egdd/proxy/egd.sock') }
  it { is_expected.to run.with_params('127.0.0.1:8887').and_return('proxy:127.0.0.1:8887') }
  it { is_expected.to run.with_params('[::1]:8887').and_return('proxy:[::1]:8887') }
  it { is_expected.to run.with_params('8887').and_raise_error(%r{not a bare port}) }
  it { is_expected.to run.with_params('run/egd.sock').and_raise_error(%r{expects}) }
end
