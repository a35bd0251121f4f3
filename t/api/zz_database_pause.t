# MariaDB paused (SIGSTOP), as a stalled server or network would leave it:
# requests answer a JSON 503 once the connection's read timeout (a little
# under PlacementDatabasePoolTimeout, 10 s here) passes, long before the
# pause ends, and service comes back when MariaDB resumes.  Before, every
# request waited for the whole pause.  Also: MariaDB's
# max_prepared_stmt_count reached costs no 5xx (the connection empties its
# statement cache and prepares again).
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use Time::HiRes qw(time);

my $dir = $ENV{PLACEMENT_TEST_DB_DIR};
my $sock = $ENV{PLACEMENT_TEST_DB_SOCKET};
plan skip_all => 'PLACEMENT_TEST_DB_DIR not set (run through t/run-tests)' unless $dir && $sock;

my $V = '1.39';
sub sql { my ($q) = @_; my $out = `mariadb -S '$sock' -uroot -N -e "$q" 2>&1`; chomp $out; $out }

# -- the server's prepared statement limit --------------------------------
my $old_max = sql('SELECT @@global.max_prepared_stmt_count');
my $rp = json(api(POST => '/resource_providers', version => $V,
                  body => { name => 'stmts-' . new_uuid() }))->{uuid};
ok($rp, 'a provider');
my $held = sql("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'");
$held =~ s/.*\s//;
# at the limit already: every new statement must first free one
sql("SET GLOBAL max_prepared_stmt_count = $held");
my @bad;
for my $i (1 .. 30) {
    for my $req ([GET => "/resource_providers/$rp"], [GET => "/resource_providers/$rp/inventories"],
                 [GET => '/traits?name=startswith:HW_CPU'], [GET => "/resource_providers?member_of=" . new_uuid()],
                 [GET => '/resource_classes'], [GET => "/resource_providers/$rp/usages"],
                 [PUT => "/resource_classes/CUSTOM_STMT_$i"],
                 [GET => '/allocation_candidates?resources=VCPU:1&required=HW_CPU_X86_AVX']) {
        my $res = api(@$req, version => $V);
        push @bad, "$req->[0] $req->[1]: " . $res->code if $res->code >= 500;
    }
}
sql("SET GLOBAL max_prepared_stmt_count = $old_max");
is(scalar @bad, 0, "max_prepared_stmt_count at its limit ($held): no 5xx")
    or diag(join("\n", @bad[0 .. ($#bad < 5 ? $#bad : 5)]));

# -- a paused MariaDB -------------------------------------------------------
open(my $fh, '<', "$dir/mysqld.pid") or BAIL_OUT("no $dir/mysqld.pid");
chomp(my $pid = <$fh>);
my $paused = 0;
END { kill 'CONT', $pid if $paused && $pid }   # whatever happens, resume it

my $pause = 40;
kill 'STOP', $pid and $paused = time;
my $t0 = time;
my $res = api(GET => "/resource_providers/$rp", version => $V);
my $read_took = time - $t0;
$t0 = time;
my $res2 = api(POST => '/resource_providers', version => $V, body => { name => 'paused-' . new_uuid() });
my $write_took = time - $t0;
my $still = time - $paused < $pause;
kill 'CONT', $pid; $paused = 0;

is($res->code, 503, 'a read while MariaDB is paused: 503');
like($res->header('content-type') // '', qr{^application/json}, 'the 503 is JSON');
is($res2->code, 503, 'a write while MariaDB is paused: 503');
ok($still, sprintf('both answered while MariaDB was still paused (%.0f s and %.0f s; '
                   . 'the pool timeout is 10 s)', $read_took, $write_took));

$res = api(GET => "/resource_providers/$rp", version => $V);
is($res->code, 200, 'MariaDB resumed: served again');
$res = api(POST => '/resource_providers', version => $V, body => { name => 'resumed-' . new_uuid() });
is($res->code, 200, 'writes work again');

done_testing();
