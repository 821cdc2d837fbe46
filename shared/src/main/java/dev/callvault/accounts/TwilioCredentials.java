package dev.callvault.accounts;


/**
 * What we hold for one Twilio account. REST calls authenticate with the API key when there is one,
 * else with the auth token; webhook signatures are always keyed with the auth token.
 */
public record TwilioCredentials(String accountSid, Secret authToken, String apiKey, Secret apiSecret) {
    public TwilioCredentials {
        Sids.account(accountSid);
        if (authToken == null && (apiKey == null || apiSecret == null)) {
            throw new IllegalArgumentException("account " + accountSid + " needs an auth token, or an API key and secret");
        }
        if ((apiKey == null) != (apiSecret == null)) {
            throw new IllegalArgumentException("account " + accountSid + ": an API key needs its secret and a secret its key");
        }
        if (apiKey != null) {
            Sids.require("SK", apiKey, "API key SID");
        }
    }

    public static TwilioCredentials ofAuthToken(String accountSid, String authToken) {
        return new TwilioCredentials(accountSid, Secret.of(authToken), null, null);
    }

    public String username() {
        return apiKey != null ? apiKey : accountSid;
    }

    public Secret password() {
        return apiKey != null ? apiSecret : authToken;
    }
}
