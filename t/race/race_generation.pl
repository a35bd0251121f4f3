#!/usr/bin/perl
# Concurrent writers at one resource provider generation.
#
#   t/race/race_generation.pl http://127.0.0.1:PORT [N]
#
# Fires N (default 10, env RACE_N) simultaneous PUTs carrying the same
# resource_provider_generation at one provider, first at
# /resource_providers/{uuid}/traits, then at .../aggregates (1.19+), and
# checks that exactly one gets 200, the other N-1 get 409 with error code
# placement.concurrent_update, and that the generation went up by exactly
# one.  Prints TAP.  The provider is created through the API, or taken from
# env RACE_RP_UUID (it must then exist).  Only core Perl (HTTP::Tiny, fork).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use RaceHTTP qw(ok diag req uuid4 $tests $failed $json %hdr);
use HTTP::Tiny;
use IO::Handle;

my $base = shift @ARGV or die "usage: $0 http://HOST:PORT [N]\n";
$base =~ s{/+$}{};
RaceHTTP::client($base, '1.39', 60);
my $n = shift @ARGV || $ENV{RACE_N} || 10;

sub generation {
    my ($uuid, $what) = @_;
    my ($st, $doc) = req('GET', "/resource_providers/$uuid/$what");
    return $st == 200 && $doc ? $doc->{resource_provider_generation} : undef;
}

# Fork n children that block on a pipe until all exist, then each sends
# the same request; returns a list of [status, error code] pairs.
sub race {
    my ($method, $path, $body) = @_;
    pipe(my $gate_r, my $gate_w) or die "pipe: $!";
    my @kids;
    for my $i (1 .. $n) {
        pipe(my $res_r, my $res_w) or die "pipe: $!";
        my $pid = fork;
        die "fork: $!" unless defined $pid;
        if (!$pid) {
            close $gate_w;
            close $res_r;
            my $x;
            sysread($gate_r, $x, 1);            # returns at EOF: the gate opens
            my $h = HTTP::Tiny->new(timeout => 60, default_headers => \%hdr);
            my $r = $h->request($method, "$base$path", {
                content => $json->encode($body),
                headers => {'Content-Type' => 'application/json'} });
            my $doc = eval { $json->decode($r->{content}) };
            my $code = $doc && $doc->{errors} ? $doc->{errors}[0]{code} // '' : '';
            print $res_w "$r->{status} $code\n";
            close $res_w;
            exit 0;
        }
        close $res_w;
        push @kids, [$pid, $res_r];
    }
    close $gate_r;
    close $gate_w;                              # every child starts now
    my @out;
    for my $k (@kids) {
        my $line = readline($k->[1]) // "0 \n";
        chomp $line;
        push @out, [split / /, $line, 2];
        waitpid($k->[0], 0);
    }
    return @out;
}

sub check_race {
    my ($label, $uuid, $what, $body_for) = @_;
    my $g0 = generation($uuid, $what);
    if (!ok(defined $g0, "$label: initial generation read")) {
        ok(0, "$label: race not run") for 1 .. 3;    # keep the plan
        return;
    }
    my @res = race('PUT', "/resource_providers/$uuid/$what", $body_for->($g0));
    my $ok200 = grep { $_->[0] == 200 } @res;
    my $c409 = grep { $_->[0] == 409 && ($_->[1] // '') eq 'placement.concurrent_update' } @res;
    ok($ok200 == 1, "$label: exactly one of $n concurrent PUTs succeeded (got $ok200)");
    ok($c409 == $n - 1, "$label: the other " . ($n - 1)
       . " got 409 placement.concurrent_update (got $c409)")
        or diag(join "\n", map { "status $_->[0] code $_->[1]" } @res);
    my $g1 = generation($uuid, $what);
    ok(defined $g1 && $g1 == $g0 + 1,
       "$label: generation " . ($g1 // 'undef') . " is initial $g0 + 1");
}

print "1..10\n";

# the provider
my $uuid = $ENV{RACE_RP_UUID};
if (!$uuid) {
    $uuid = uuid4();
    my ($st, undef, $raw) = req('POST', '/resource_providers',
                                {name => "race-$uuid", uuid => $uuid});
    ok($st == 200 || $st == 201, "provider $uuid created") or diag("status $st: $raw");
}
else {
    my ($st) = req('GET', "/resource_providers/$uuid/traits");
    ok($st == 200, "provider $uuid exists");
}

# a custom trait to set (the provider's current set never contains it yet,
# so the winner really changes the set and bumps the generation)
my $trait = 'CUSTOM_RACE_' . uc(join '', map { ('A' .. 'Z')[rand 26] } 1 .. 10);
my ($tst) = req('PUT', "/traits/$trait");
ok($tst == 201, "trait $trait created");

check_race('traits', $uuid, 'traits', sub {
    my ($gen) = @_;
    my ($st, $doc) = req('GET', "/resource_providers/$uuid/traits");
    return {traits => [@{$doc->{traits} || []}, $trait], resource_provider_generation => $gen};
});

my $agg = uuid4();
check_race('aggregates', $uuid, 'aggregates', sub {
    my ($gen) = @_;
    my ($st, $doc) = req('GET', "/resource_providers/$uuid/aggregates");
    return {aggregates => [@{$doc->{aggregates} || []}, $agg],
            resource_provider_generation => $gen};
});

exit($failed ? 1 : 0);
