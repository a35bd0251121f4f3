# Concurrent writers at one provider generation: t/race/race_generation.pl
# against this server (through the /placement mount), which must report a
# clean run: exit 0, its full plan of 'ok' lines and no 'not ok'.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Apache::Test qw(-withtestmore);
use PlacementTest;
use PlacementCases;

my $script = 't/race/race_generation.pl';
plan skip_all => "$script missing" unless -f $script;
plan tests => 7;

my $base = base_url();

sub run_race {
    my (@env) = @_;
    my $cmd = join(' ', @env, quotemeta($^X), $script, quotemeta($base)) . ' 2>&1';
    my $out = `$cmd`;
    return ($? >> 8, $? & 127, $out);
}

# A fresh provider made by the script, 10 writers.
my ($rc, $sig, $out) = run_race('RACE_N=10');
is($sig, 0, 'race script was not killed by a signal');
is($rc, 0, 'race script exited 0') or diag($out);
my ($plan) = $out =~ /^1\.\.(\d+)$/m;
is($plan, 10, 'race script planned 10 checks');
my @ok = $out =~ /^ok \d+/mg;
my @not = $out =~ /^not ok \d+.*$/mg;
is(scalar @ok, 10, 'all 10 race checks ok') or diag($out);
is(scalar @not, 0, 'no race check failed') or diag(join "\n", @not);

# Again at an existing provider that already has traits and aggregates.
my $uuid = new_rp();
my $t = new_trait();
api(PUT => "/traits/$t", version => '1.39');
api(PUT => "/resource_providers/$uuid/traits", version => '1.39',
    body => { traits => [$t], resource_provider_generation => 0 });
($rc, $sig, $out) = run_race("RACE_RP_UUID=$uuid", 'RACE_N=6');
is($rc, 0, 'race at an existing provider exited 0') or diag($out);
# two races, each bumps the generation exactly once
is(rp_gen($uuid), 3, 'the provider generation went up by exactly two');
