# What the race scripts (t/race/*.pl) and the Galera bed's writers
# (t/galera/*.t) share: TAP output, a JSON client of the API, uuid4() and
# workers forked and released at once (race(), seed()).  Core Perl only,
# like the scripts.
#
#   use FindBin; use lib "$FindBin::Bin/../lib";
#   use RaceHTTP qw(ok diag req uuid4 $tests $failed $json);
#   RaceHTTP::client($base, '1.28', 120);
#   my ($status, $doc, $raw) = req('GET', '/resource_providers');
#
# $RaceHTTP::base is the URL requests go to (a worker may point it at
# another front); RaceHTTP::client() after a fork gives the child an HTTP
# connection of its own.
package RaceHTTP;
use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempdir);
use HTTP::Tiny;
use JSON::PP;
use Time::HiRes qw(sleep time);

our @EXPORT_OK = qw(ok diag req uuid4 race seed $tests $failed $json %hdr);
our ($tests, $failed) = (0, 0);
our $json = JSON::PP->new->canonical;
our (%hdr, $base, $http);

# client(BASE, MICROVERSION, TIMEOUT): every request as admin at that
# microversion, to BASE (trailing slashes dropped).
sub client {
    my ($b, $mv, $timeout) = @_;
    ($base = $b) =~ s{/+$}{};
    %hdr = ('X-Auth-Token' => 'admin', 'OpenStack-API-Version' => "placement $mv",
            'Accept' => 'application/json');
    $http = HTTP::Tiny->new(timeout => $timeout, default_headers => \%hdr);
}

sub ok {
    my ($cond, $what) = @_;
    $tests++;
    $failed++ unless $cond;
    print(($cond ? "ok" : "not ok"), " $tests - $what\n");
    return $cond;
}

sub diag { print map { "# $_\n" } split /\n/, join '', @_ }

# (status, decoded body, raw body); MV overrides the client's microversion
sub req {
    my ($method, $path, $body, $mv) = @_;
    my %o = (headers => {});
    if (defined $body) {
        $o{content} = $json->encode($body);
        $o{headers}{'Content-Type'} = 'application/json';
    }
    $o{headers}{'OpenStack-API-Version'} = "placement $mv" if $mv;
    my $r = $http->request($method, "$base$path", \%o);
    my $doc = eval { $json->decode($r->{content}) };
    return ($r->{status}, $doc, $r->{content});
}

# seed(): srand from /dev/urandom, as each forked worker needs (not $$ ^
# time: two workers forked across a second boundary with pids differing in
# the last bit got the same seed, and the same consumers).
sub seed {
    open my $r, '<', '/dev/urandom' or die "/dev/urandom: $!";
    read $r, my $b, 4;
    srand(unpack 'L', $b);
}

# race(N, WORKER): fork N workers, each seeded and then running
# WORKER->(I) for I in 1..N once all are forked, released at the same
# moment; waits for them all and returns the seconds from the release to
# the last one's end.
sub race {
    my ($n, $worker) = @_;
    my $go = tempdir(CLEANUP => 1) . '/go';
    my @pids;
    for my $w (1 .. $n) {
        my $pid = fork;
        die "fork: $!" unless defined $pid;
        if (!$pid) {
            seed();
            sleep 0.01 until -e $go;
            $worker->($w);
            exit 0;
        }
        push @pids, $pid;
    }
    sleep 0.3;
    my $t0 = time;
    open my $g, '>', $go or die "$go: $!";
    close $g;
    waitpid $_, 0 for @pids;
    return time - $t0;
}

sub uuid4 {
    my @b = map { int rand 256 } 1 .. 16;
    $b[6] = ($b[6] & 0x0f) | 0x40;
    $b[8] = ($b[8] & 0x3f) | 0x80;
    my $h = join '', map { sprintf '%02x', $_ } @b;
    return join '-', substr($h, 0, 8), substr($h, 8, 4), substr($h, 12, 4),
        substr($h, 16, 4), substr($h, 20, 12);
}

1;
