#!/usr/bin/env bash
# tempest.conf for scripts/tempest/run.sh: Keystone of scripts/keystone/setup.sh (admin for
# tempest's dynamic credentials), the network service only, every advertised extension on.
#   tempest-conf.sh ADMIN_PASSWORD REGION PUBLIC_NETWORK_ID EXTENSIONS(comma list) WORKSPACE
set -euo pipefail
ADMIN_PASSWORD=$1 REGION=$2 PUBLIC=$3 EXTENSIONS=$4 WS=$5
cat <<CONF
[DEFAULT]
log_dir = $WS/logs
log_file = tempest.log

[auth]
admin_username = admin
admin_password = $ADMIN_PASSWORD
admin_project_name = admin
admin_domain_name = Default
use_dynamic_credentials = true
create_isolated_networks = false
tempest_roles = member

[identity]
uri_v3 = http://127.0.0.1:5000/v3
auth_version = v3
region = RegionOne
disable_ssl_certificate_validation = true

[identity-feature-enabled]
api_v2 = false

[network]
catalog_type = network
region = $REGION
endpoint_type = publicURL
public_network_id = $PUBLIC
floating_network_name = public
project_network_cidr = 10.100.0.0/16
project_network_mask_bits = 28
project_network_v6_cidr = 2001:db8::/48
project_network_v6_mask_bits = 64
build_timeout = 60
build_interval = 1

[network-feature-enabled]
api_extensions = $EXTENSIONS
ipv6 = true
ipv6_subnet_attributes = true
port_admin_state_change = true
port_security = true
floating_ips = true

[service_available]
neutron = true
nova = false
glance = false
cinder = false
swift = false
horizon = false
heat_plugin = false

[validation]
run_validation = false

[oslo_concurrency]
lock_path = $WS/lock
CONF
