# Bad configuration stops httpd at start-up (`apache2 -t`) with a message
# naming the directive.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use HttpdConf qw($httpd write_conf);

my $dir = tempdir(CLEANUP => 1);

sub configtest {
    my ($directives) = @_;
    my $conf = write_conf($dir, bare => 1, directives => "$directives\n");
    my $out = `$httpd -t -f $conf 2>&1`;
    return ($? >> 8, $out);
}

sub write_file { open my $f, '>', $_[0] or die $!; print $f $_[1]; close $f }

my $db = 'PlacementDatabaseConnection "mysql+pymysql://u:p@db/placement?charset=utf8"';
my $ks = join "\n", 'PlacementKeystoneAuthURL http://keystone:5000/v3',
    'PlacementKeystoneUsername placement', 'PlacementKeystonePassword secret',
    'PlacementKeystoneUserDomainName Default', 'PlacementKeystoneProjectName service',
    'PlacementKeystoneProjectDomainName Default';
my @cases = (
    ["$db\nPlacementAuthStrategy noauth2", 0, qr/Syntax OK/],
    ["$db\nPlacementAuthStrategy trusted-headers", 0, qr/Syntax OK/],
    # keystone (the default) needs the service user's credentials
    [$db, 1, qr/PlacementKeystoneAuthURL is required with PlacementAuthStrategy keystone/],
    ["$db\n$ks", 0, qr/Syntax OK/],
    ["$db\n" . join("\n", grep { !/Password/ } split /\n/, $ks), 1,
     qr/PlacementKeystonePassword is required/],
    ["$db\n" . join("\n", grep { !/Username/ } split /\n/, $ks), 1,
     qr/PlacementKeystoneUsername \(or PlacementKeystoneUserId\) is required/],
    ["$db\n" . join("\n", grep { !/ProjectName/ } split /\n/, $ks), 1,
     qr/PlacementKeystoneProjectName \(or PlacementKeystoneProjectId\) is required/],
    ["$db\n$ks\nPlacementKeystoneMemcacheSecurityStrategy MAC", 1,
     qr/PlacementKeystoneMemcacheSecretKey is required/],
    ["$db\n$ks\nPlacementKeystoneMemcacheSecurityStrategy AES", 1,
     qr/PlacementKeystoneMemcacheSecurityStrategy: 'AES' is not one of/],
    ["$db\n$ks\nPlacementKeystoneCache redis:127.0.0.1:6379", 1,
     qr/unknown cache provider 'redis' \(maybe you need to load mod_socache_redis\)/],
    ["$db\n$ks\nPlacementKeystoneCache none", 0, qr/Syntax OK/],
    ["PlacementKeystoneAuthURL controller:5000", 1,
     qr/PlacementKeystoneAuthURL: 'controller:5000' is not an http/],
    ["PlacementKeystoneInterface private", 1, qr/PlacementKeystoneInterface: 'private'/],
    ["PlacementKeystoneTokenCacheTime -2", 1, qr/PlacementKeystoneTokenCacheTime/],
    ["PlacementKeystoneHTTPConnectTimeout 0", 1, qr/PlacementKeystoneHTTPConnectTimeout/],
    ['PlacementDatabaseConnection "postgresql://u:p@db/placement"', 1,
     qr/PlacementDatabaseConnection: invalid database URL/],
    ['PlacementDatabasePoolSize 0', 1, qr/PlacementDatabasePoolSize: '0' is not a whole number/],
    ['PlacementDatabasePoolTimeout x', 1, qr/PlacementDatabasePoolTimeout/],
    ['PlacementAuthStrategy kerberos', 1, qr/PlacementAuthStrategy: 'kerberos' is not one of/],
    ['PlacementMaxAllocationCandidates -2', 1, qr/PlacementMaxAllocationCandidates/],
    ['PlacementEnforceNewDefaults maybe', 1, qr/PlacementEnforceNewDefaults/],
    ["PlacementPolicyFile $dir/bad-policy.yaml", 1,
     qr/PlacementPolicyFile: .*bad-policy.yaml.*placement:resource_providers:list/],
    ["PlacementPolicyFile $dir/good-policy.yaml", 0, qr/Syntax OK/],
    ["PlacementPolicyFile $dir/missing.yaml", 1, qr/PlacementPolicyFile: .*missing.yaml/],
    # glibc's malloc settings are process-wide: the main server's to turn off
    ["$db\nPlacementAuthStrategy noauth2\nPlacementMallocTuning Off", 0, qr/Syntax OK/],
    ["PlacementMallocTuning maybe", 1, qr/PlacementMallocTuning/],
    ["<VirtualHost 127.0.0.1:80>\nPlacementMallocTuning Off\n</VirtualHost>", 1,
     qr/PlacementMallocTuning cannot occur within <VirtualHost> section/],
);
write_file("$dir/bad-policy.yaml", qq{"placement:resource_providers:list": "role:admin or"\n});
write_file("$dir/good-policy.yaml", qq{"placement:resource_providers:list": "role:reader"\n});

plan tests => 2 * @cases;
for my $c (@cases) {
    my ($line, $fails, $re) = @$c;
    my ($rc, $out) = configtest($line);
    is($rc != 0 ? 1 : 0, $fails, ($fails ? 'refused: ' : 'accepted: ') . $line);
    like($out, $re, '... with the message') or diag($out);
}
