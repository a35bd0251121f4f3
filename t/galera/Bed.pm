# Helpers of the Galera bed's tests (t/galera/*.t): the bed's ports and
# URLs, SQL on one node with causal reads, per-node digests, counters from
# the fronts' error logs and the nodes' wsrep status.  Core Perl only.
package Bed;
use strict;
use warnings;
use Exporter 'import';
use HTTP::Tiny;
use JSON::PP;
use Test::More ();
our @EXPORT = qw(%env $dir sql sql_rows settle whole_cluster digest log_counts wsrep_counts
                 front api uuid4 node kill_node start_node);

our $dir = $ENV{GALERA_BED} or die "run through t/galera/bed.sh\n";
our %env;
open my $e, '<', "$dir/env" or die "$dir/env: $!";
while (<$e>) { chomp; my ($k, $v) = split /=/, $_, 2; $env{$k} = $v }
close $e;

# front('a') / front('b'): base URL
sub front { my $f = uc shift; "http://127.0.0.1:$env{\"FRONT_${f}_PORT\"}" }

# sql(N, QUERY): rows of tab-separated text from node N, after the node has
# applied everything committed in the cluster before (wsrep_sync_wait=1).
sub sql_rows {
    my ($n, $q) = @_;
    my $sock = "$dir/n$n/mysqld.sock";
    open my $fh, '-|', 'mariadb', '-S', $sock, '-uroot', '-N', '-B', 'placement', '-e',
        "SET SESSION wsrep_sync_wait=1; $q" or die "mariadb: $!";
    my @rows = map { chomp; [split /\t/, $_, -1] } <$fh>;
    close $fh or die "query on node $n failed: $q\n";
    return @rows;
}
sub sql { my @r = sql_rows(@_); return @r ? $r[0][0] : undef }

# Wait until every running node has applied all that was committed.
sub settle { for my $n (1 .. 3) { eval { sql($n, 'SELECT 1') } } }

# Do all three nodes see one primary view of three, each synced?  A node
# that answers again after a restart may not be in the others' view yet.
sub whole_cluster {
    for my $n (1 .. 3) {
        my %st = eval { map { lc($_->[0]) => $_->[1] } sql_rows($n,
            "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
            . "WHERE VARIABLE_NAME IN ('WSREP_CLUSTER_SIZE', 'WSREP_CLUSTER_STATUS', "
            . "'WSREP_LOCAL_STATE_COMMENT')") };
        return 0 unless ($st{wsrep_cluster_size} // 0) == 3
            && ($st{wsrep_cluster_status} // '') eq 'Primary'
            && ($st{wsrep_local_state_comment} // '') eq 'Synced';
    }
    return 1;
}

my @tables = qw(resource_providers inventories allocations consumers projects users
                traits resource_classes resource_provider_traits placement_aggregates
                resource_provider_aggregates);
# A digest of every placement table on node N (ids included: Galera copies rows).
sub digest {
    my ($n) = @_;
    my $all = '';
    for my $t (@tables) {
        my @cols = map { $_->[0] } sql_rows($n, "SELECT column_name FROM information_schema.columns "
            . "WHERE table_schema='placement' AND table_name='$t' ORDER BY ordinal_position");
        my $expr = join ',', map { "COALESCE(`$_`,'~')" } @cols;
        $all .= "$t:" . sql($n, "SELECT CONCAT(COUNT(*), '/', COALESCE(SUM(CRC32(CONCAT_WS('|', $expr))), 0)) FROM `$t`") . "\n";
    }
    return $all;
}

# Counts of the fronts' log lines since offsets (a hash ref, updated):
# retries at a statement / at COMMIT (PL203), transactions the server
# ended without an error (PL208, run again too), COMMITs cut off and read
# back (PL209), transactions run again on a new connection (PL204),
# failovers (PL205), SQL errors (PL202).
sub log_counts {
    my ($off) = @_;
    my %c = map { $_ => 0 } qw(statement commit silent cut reconnect failover sqlerror crash);
    for my $f (qw(a b)) {
        my $log = "$dir/front-$f/error.log";
        open my $fh, '<', $log or next;
        seek $fh, $off->{$f} || 0, 0;
        while (<$fh>) {
            $c{statement}++ if /PL203: .* at statement/;
            $c{commit}++ if /PL203: .* at COMMIT/;
            $c{silent}++ if /PL208/;
            $c{cut}++ if /PL209: .* at COMMIT/;
            $c{reconnect}++ if /PL204/;
            $c{failover}++ if /PL205/;
            $c{sqlerror}++ if /PL202/;
            $c{crash}++ if /exit signal|Segmentation/;
        }
        $off->{$f} = tell $fh;
    }
    return \%c;
}

# check_end(\%OFF): what every test checks last: nodes 2 and 3 hold the
# same rows as node 1, and since the offsets the fronts logged no SQL error
# and no crashed child.  Returns the log counts (log_counts).
sub check_end {
    my ($off) = @_;
    my $d1 = digest(1);
    Test::More::is(digest(2), $d1, 'node 2 holds the same rows as node 1');
    Test::More::is(digest(3), $d1, 'node 3 holds the same rows as node 1');
    my $c = log_counts($off);
    Test::More::is($c->{sqlerror}, 0, 'no SQL errors logged');
    Test::More::is($c->{crash}, 0, 'no httpd child crashed');
    return $c;
}

# Galera conflicts on all nodes: certification failures and brute-force aborts.
sub wsrep_counts {
    my %c = (cert => 0, bf => 0);
    for my $n (1 .. 3) {
        my %s = map { $_->[0] => $_->[1] } eval { sql_rows($n,
            "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_cert_failures','wsrep_local_bf_aborts')") };
        $c{cert} += $s{wsrep_local_cert_failures} || 0;
        $c{bf} += $s{wsrep_local_bf_aborts} || 0;
    }
    return \%c;
}

my $json = JSON::PP->new->canonical;
# the admin, with the service role too (the reshaper is for services only)
my $http = HTTP::Tiny->new(timeout => 60, default_headers => {
    'X-Auth-Token' => 'admin', 'X-Roles' => 'admin,service', 'Accept' => 'application/json'});
# api(BASE, METHOD, PATH, BODY, MICROVERSION) -> (status, doc)
sub api {
    my ($base, $m, $path, $body, $mv) = @_;
    my %h = ('OpenStack-API-Version' => 'placement ' . ($mv || '1.39'));
    my %o = (headers => \%h);
    if (defined $body) { $o{content} = $json->encode($body); $h{'Content-Type'} = 'application/json' }
    my $r = $http->request($m, "$base$path", \%o);
    my $doc = eval { $json->decode($r->{content}) };
    return ($r->{status}, $doc, $r->{content}, $r->{headers});
}

# from /dev/urandom: forked workers must never share a sequence
sub uuid4 {
    open my $r, '<', '/dev/urandom' or die "/dev/urandom: $!";
    read $r, my $raw, 16;
    my @b = unpack 'C16', $raw;
    $b[6] = ($b[6] & 0x0f) | 0x40;
    $b[8] = ($b[8] & 0x3f) | 0x80;
    my $h = join '', map { sprintf '%02x', $_ } @b;
    return join '-', substr($h, 0, 8), substr($h, 8, 4), substr($h, 12, 4),
        substr($h, 16, 4), substr($h, 20, 12);
}

sub kill_node { system($ENV{GALERA_BED_SCRIPT}, 'kill', shift) == 0 or die "kill failed\n" }
sub start_node { system($ENV{GALERA_BED_SCRIPT}, 'start', shift) == 0 or die "start failed\n" }

1;
