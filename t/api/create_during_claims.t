# A provider create never waits behind claims.  Claims lock their
# providers; a locking read by uuid took next-key locks on the uuid index,
# so a POST /resource_providers whose uuid sorts into a locked range waited
# until those claims committed (with claims queued on a busy provider: as
# long as the claims kept coming).  Locks by primary key take no range.
#
# Deterministic: a database session (over $PLACEMENT_TEST_DB_SOCKET) holds
# the row lock of a "hot" provider, as a long claim would; claims on it and
# on other providers queue behind it (seen waiting in
# information_schema.innodb_trx); meanwhile new providers are created, with
# uuids sorting just below the hot one's and random ones.  Every create must
# answer within a generous 10 s; then the lock goes and every claim lands.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use JSON::PP ();
use Time::HiRes qw(sleep time);
use PlacementTest;
use PlacementCases;

my $sock = $ENV{PLACEMENT_TEST_DB_SOCKET};
plan skip_all => 'PLACEMENT_TEST_DB_SOCKET not set (run through t/run-tests)'
    unless $sock && -S $sock;
my ($nclaims, $ncreates) = (6, 6);
plan tests => 3 + $ncreates + $nclaims + 1;

my @db = ('mariadb', '-S', $sock, '-uplacement', '-pplacement', '-N', '-B', 'placement_test');
sub sql1 {
    my ($q) = @_;
    open(my $fh, '-|', @db, '-e', $q) or die "mariadb: $!";
    my $v = <$fh>;
    close $fh or die "mariadb failed ($?) on: $q\n";
    chomp $v if defined $v;
    return $v;
}

# run-unique uuids: nothing else sorts between the creates and the hot one
my $near = sprintf('80000000-%04x-4000-8000-', int(rand(65536)));
my $hot = new_rp(uuid => $near . 'ffffffffffff');
my @others = map { new_rp() } 1 .. 8;
put_inv($_, VCPU => { total => 1000 }) for $hot, @others;
my $hot_id = sql1("SELECT id FROM resource_providers WHERE uuid = '$hot'");
ok($hot_id, 'the hot provider');

# ---- a session holds the hot provider's row ----------------------------------------------
my $dir = tempdir(CLEANUP => 1);
open(my $holder, '|-', "@db --unbuffered > $dir/holder.out 2>&1") or die "mariadb: $!";
select((select($holder), $| = 1)[0]);
print $holder "BEGIN;\nSELECT id FROM resource_providers WHERE id = $hot_id FOR UPDATE;\n"
    . "SELECT 'locked';\n";
my $t0 = time();
sleep 0.1 until (-s "$dir/holder.out" && `cat $dir/holder.out` =~ /locked/) || time() - $t0 > 20;
like(scalar `cat $dir/holder.out`, qr/locked/, 'a session holds the hot provider');

# ---- claims queue behind it ----------------------------------------------------------------
my $base = base_url();
my %hdr = ('X-Auth-Token' => 'admin', 'OpenStack-API-Version' => 'placement 1.28',
           'Content-Type' => 'application/json');
my @kids;
for my $k (1 .. $nclaims) {
    my @pick = ($hot, @others[($k % 8), (($k + 3) % 8)]);
    my $consumer = new_uuid();
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        my $r = HTTP::Tiny->new(timeout => 120)->request(PUT => "$base/allocations/$consumer",
            { headers => \%hdr, content => JSON::PP->new->encode(
                { allocations => { map { ($_ => { resources => { VCPU => 1 } }) } @pick },
                  project_id => new_uuid(), user_id => new_uuid(),
                  consumer_generation => undef }) });
        open(my $out, '>', "$dir/claim$k") or die;
        print $out "$r->{status} " . ($r->{content} // '') . "\n";
        close $out;
        exit 0;
    }
    push @kids, $pid;
}
my $waiting = 0;
$t0 = time();
while (time() - $t0 < 30) {
    $waiting = sql1("SELECT COUNT(*) FROM information_schema.innodb_trx "
                    . "WHERE trx_state = 'LOCK WAIT'");
    last if $waiting >= $nclaims;
    sleep 0.2;
}
cmp_ok($waiting, ">=", $nclaims, "$nclaims claims wait for the hot provider");

# ---- creates meanwhile ---------------------------------------------------------------------
my $http = HTTP::Tiny->new(timeout => 10);
for my $i (1 .. $ncreates) {
    my $u = $i % 2 ? sprintf('%s%06x%06x', $near, int(rand(1 << 24)), int(rand(1 << 24)))
                   : new_uuid();
    my $start = time();
    my $r = $http->request(POST => "$base/resource_providers",
        { headers => { %hdr, 'OpenStack-API-Version' => 'placement 1.20' },
          content => JSON::PP->new->encode({ name => new_name('create'), uuid => $u }) });
    ok($r->{status} == 200, sprintf('create %d (%s) answered within 10 s: %s after %.1f s',
                                    $i, $i % 2 ? 'next to the hot uuid' : 'random uuid',
                                    $r->{status}, time() - $start));
}

# ---- the lock goes, the claims land -------------------------------------------------------
print $holder "ROLLBACK;\n";
close $holder;
waitpid($_, 0) for @kids;
for my $k (1 .. $nclaims) {
    my $got = -f "$dir/claim$k" ? `cat $dir/claim$k` : 'no answer';
    like($got, qr/^204 /, "claim $k: 204");
}
my $res = api(GET => "/resource_providers/$hot/usages", version => '1.28');
is(json($res)->{usages}{VCPU}, $nclaims, 'every claim is on the hot provider');
