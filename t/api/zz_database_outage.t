# MariaDB goes away under the running server: every request gets a JSON
# 503, nothing crashes, and service comes back by itself when MariaDB does,
# without restarting httpd.  Runs last (zz_): it stops the test database.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;

my $dir = $ENV{PLACEMENT_TEST_DB_DIR};
plan skip_all => 'PLACEMENT_TEST_DB_DIR not set (run through t/run-tests)' unless $dir;
plan tests => 9;

my $rp = api(POST => '/resource_providers', version => '1.39',
             body => { name => 'outage-' . new_uuid() });
is($rp->code, 200, 'a provider before the outage');
my $uuid = json($rp)->{uuid};

system("tools/mariadb-ctl stop '$dir' >/dev/null 2>&1");
my $res = api(GET => "/resource_providers/$uuid", version => '1.39');
is($res->code, 503, 'database down: 503');
is(error_of($res)->{title}, 'Service Unavailable', '503 in the JSON error shape');
like($res->header('content-type'), qr{^application/json}, '503 is JSON');
$res = api(POST => '/resource_providers', version => '1.39', body => { name => 'x' . new_uuid() });
is($res->code, 503, 'a write while down: 503');
is(api(GET => '/', token => undef)->code, 200, 'the version document needs no database');

system("tools/mariadb-ctl start '$dir' >/dev/null 2>&1");
$res = api(GET => "/resource_providers/$uuid", version => '1.39');
is($res->code, 200, 'database back: served again without restarting httpd');
is(json($res)->{uuid}, $uuid, 'the same provider');
$res = api(POST => '/resource_providers', version => '1.39', body => { name => 'after-' . new_uuid() });
is($res->code, 200, 'writes work again');
